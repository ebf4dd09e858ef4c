import NPSimCore
import NPSimStore
import Synchronization

/// The dispatcher's in-memory side: its slots (all channels together, and per channel, so that one hung or slow
/// channel fills only its own), the signal that wakes its queue poller, and the deliveries that committing
/// transactions hand straight over.
///
/// The slots are counted under a mutex rather than in an actor because a transaction reserves one while it is
/// still open, inside GRDB's synchronous write closure, where nothing can be awaited.
public final class DeliveryQueue: DeliveryHandoff {
    private struct State {
        var inFlight = 0
        var byChannel: [Int: Int] = [:]
        /// Handovers are taken only between the dispatcher's start (after it resumed what a crash left in flight)
        /// and its shutdown.
        var accepting = false
        /// Whether `pending` deliveries may be waiting for a slot: a freed slot then wakes the poller, and new
        /// deliveries queue behind them instead of being handed over first, so that a channel receives its
        /// notifications in the order they were accepted. Set as soon as a reservation is refused for want of a
        /// slot (before its transaction even commits), cleared only by a poll that found the queue drained.
        var backlog = true
        /// Counts the times `backlog` was set, so that a poll clears it only if nothing was queued meanwhile.
        var generation = 0

        /// Deliveries are (about to be) stored `pending`: new ones queue behind them until a poll drains the queue.
        mutating func queueBehind() {
            backlog = true
            generation += 1
        }
    }

    private let global: Int
    private let perChannel: Int
    private let state = Mutex(State())
    let wakeup = Wakeup()
    let handedOver: AsyncStream<[ClaimedDelivery]>
    private let handOver: AsyncStream<[ClaimedDelivery]>.Continuation

    public init(policy: DeliveryPolicy) {
        global = policy.globalConcurrency
        perChannel = policy.perChannelConcurrency
        (handedOver, handOver) = AsyncStream.makeStream(of: [ClaimedDelivery].self)
    }

    public func reserve(channelId: Int) -> Bool {
        state.withLock { state in
            guard state.accepting, !state.backlog else { return false }
            guard state.inFlight < global, state.byChannel[channelId, default: 0] < perChannel else {
                state.queueBehind()
                return false
            }
            state.inFlight += 1
            state.byChannel[channelId, default: 0] += 1
            return true
        }
    }

    public func start(_ deliveries: [ClaimedDelivery]) {
        // After shutdown the rows stay `in_flight`, and the next start resumes them.
        if case .terminated = handOver.yield(deliveries) {
            release(channelIds: deliveries.map(\.channelId))
        }
    }

    public func release(channelIds: [Int]) {
        for channelId in channelIds { release(channelId: channelId) }
    }

    public func wake() {
        state.withLock { $0.queueBehind() }
        wakeup.notify()
    }

    /// Slots free, all channels together.
    var free: Int { state.withLock { global - $0.inFlight } }

    /// Channels with no slot left: the poller does not even fetch their due deliveries.
    var saturatedChannels: [Int] { state.withLock { $0.byChannel.filter { $0.value >= perChannel }.map(\.key) } }

    /// Reserves a slot for each candidate the poller found whose channel has room, up to the global limit.
    func reserve(_ candidates: [(id: Int64, channelId: Int)]) -> [Int64] {
        state.withLock { state in
            var chosen: [Int64] = []
            for candidate in candidates where state.inFlight < global && state.byChannel[candidate.channelId, default: 0] < perChannel {
                state.inFlight += 1
                state.byChannel[candidate.channelId, default: 0] += 1
                chosen.append(candidate.id)
            }
            return chosen
        }
    }

    /// Frees a finished delivery's slot, and wakes the poller when deliveries may be waiting for one.
    func release(channelId: Int) {
        let backlog = state.withLock { state in
            state.inFlight -= 1
            state.byChannel[channelId, default: 1] -= 1
            if state.byChannel[channelId] == 0 { state.byChannel[channelId] = nil }
            return state.backlog
        }
        if backlog { wakeup.notify() }
    }

    /// The poller is about to read the queue: what ``pollFinished(since:drained:)`` is given.
    func pollStarting() -> Int {
        state.withLock { $0.generation }
    }

    /// The poll took every due delivery it could see (`drained`), or left some for a slot to free up. The backlog
    /// is cleared only when it drained and nothing was queued while it ran.
    func pollFinished(since generation: Int, drained: Bool) {
        state.withLock { state in
            if drained, state.generation == generation { state.backlog = false } else { state.backlog = true }
        }
    }

    func open() {
        state.withLock { $0.accepting = true }
    }

    /// Stops taking handovers; the stream ends once those already handed over are taken.
    func close() {
        state.withLock { $0.accepting = false }
        handOver.finish()
    }
}
