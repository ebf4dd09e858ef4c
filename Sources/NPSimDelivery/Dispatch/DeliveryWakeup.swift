/// A coalescing signal. It wakes the dispatcher's queue poller: committed `pending` deliveries poke it, and so do
/// finished deliveries while deliveries wait for a slot, and a ticker pokes it so that retries fall due on time. The
/// dispatcher also uses one to wake the task that stores finished attempts.
///
/// Pokes coalesce (the stream keeps only the newest), so a burst of a thousand actions costs a handful of
/// dispatcher rounds, not a thousand.
struct DeliveryWakeup: Sendable {
    let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func notify() {
        continuation.yield()
    }

    func finish() {
        continuation.finish()
    }
}
