import Foundation
import NPSimCore
import NPSimStore
import Synchronization

/// Runs the dispatcher's ``DeliverySchedule`` and carries out what it decides: deliveries to attempt go to the
/// dispatcher's stream, and a slot freed while deliveries wait in the outbox wakes the queue poller.
///
/// The schedule is kept under a mutex rather than in an actor because a transaction reserves its place while it is
/// still open, inside GRDB's synchronous write closure, where nothing can be awaited.
public final class DeliveryQueue: DeliveryHandoff {
    private let schedule: Mutex<DeliverySchedule>
    let wakeup = Wakeup()
    let handedOver: AsyncStream<[ClaimedDelivery]>
    private let handOver: AsyncStream<[ClaimedDelivery]>.Continuation

    public init(policy: DeliveryPolicy) {
        schedule = Mutex(DeliverySchedule(policy: policy))
        (handedOver, handOver) = AsyncStream.makeStream(of: [ClaimedDelivery].self)
    }

    public func reserve(channelId: Int) -> Bool {
        schedule.withLock { $0.reserve(channelId: channelId) }
    }

    public func start(_ deliveries: [ClaimedDelivery]) {
        let startNow = schedule.withLock { $0.start(deliveries) }
        guard !startNow.isEmpty else { return }
        if case .terminated = handOver.yield(startNow) {
            for delivery in startNow { finish(channelId: delivery.channelId, takingNext: false) }
        }
    }

    public func release(channelIds: [Int]) {
        schedule.withLock { $0.release(channelIds: channelIds) }
    }

    public func wake() {
        schedule.withLock { $0.queueBehind() }
        wakeup.notify()
    }

    /// A reset removed the deliveries waiting in the channels' lines: they are not attempted.
    public func discardWaiting() {
        schedule.withLock { $0.discardLines() }
    }

    var free: Int { schedule.withLock { $0.free } }

    var saturatedChannels: [Int] { schedule.withLock { $0.saturatedChannels } }

    func reserve(_ candidates: [(id: Int64, channelId: Int)]) -> [Int64] {
        schedule.withLock { $0.reserve(candidates) }
    }

    /// Ends an attempt (see ``DeliverySchedule/finish(channelId:takingNext:)``); returns the delivery the caller
    /// attempts next in the freed slot, if any.
    @discardableResult
    func finish(channelId: Int, takingNext: Bool = true) -> ClaimedDelivery? {
        switch schedule.withLock({ $0.finish(channelId: channelId, takingNext: takingNext) }) {
        case .attempt(let next):
            return next
        case .wakePoller:
            wakeup.notify()
            return nil
        case .idle:
            return nil
        }
    }

    func conclusion(of verdict: TargetOutcome.Verdict, attemptNumber: Int, at now: Date) -> (AttemptRecord.Conclusion, note: String?) {
        schedule.withLock { $0.conclusion(of: verdict, attemptNumber: attemptNumber, at: now) }
    }

    func pollStarting() -> Int {
        schedule.withLock { $0.pollGeneration }
    }

    func pollFinished(since generation: Int, drained: Bool) {
        schedule.withLock { $0.pollFinished(since: generation, drained: drained) }
    }

    func open() {
        schedule.withLock { $0.open() }
    }

    /// Stops taking handovers; the stream ends once those already handed over are taken.
    func close() {
        schedule.withLock { $0.close() }
        handOver.finish()
    }
}
