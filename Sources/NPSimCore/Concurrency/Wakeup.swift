/// A coalescing signal between tasks: many pokes while the waiter is busy wake it once.
///
/// The dispatcher's queue poller is woken by committed `pending` deliveries, by finished deliveries while others
/// wait for a slot, and by a ticker so that retries fall due on time; the task that stores finished attempts and
/// the WAL checkpointer are woken the same way. Pokes coalesce (the stream keeps only the newest), so a burst of a
/// thousand actions costs a handful of rounds, not a thousand.
public struct Wakeup: Sendable {
    public let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func notify() {
        continuation.yield()
    }

    public func finish() {
        continuation.finish()
    }
}
