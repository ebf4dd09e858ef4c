/// A coalescing signal. It wakes the dispatcher: the orchestrator pokes it after committing new deliveries,
/// finished deliveries poke it to free their slot, and a ticker pokes it so that retries fall due on time. The
/// dispatcher also uses one to wake the task that stores finished attempts.
///
/// Pokes coalesce (the stream keeps only the newest), so a burst of a thousand actions costs a handful of
/// dispatcher rounds, not a thousand.
public struct DeliveryWakeup: Sendable {
    let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func notify() {
        continuation.yield()
    }

    func finish() {
        continuation.finish()
    }
}
