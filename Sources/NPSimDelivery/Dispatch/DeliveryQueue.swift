import NPSimCore
import NPSimStore
import Synchronization

/// The dispatcher's in-memory side: its slots (all channels together, and per channel, so that one hung or slow
/// channel fills only its own), a waiting line per channel, the signal that wakes its queue poller, and the
/// deliveries that committing transactions hand straight over.
///
/// A slot is one attempt under way: one connection to a receiver. A delivery handed over while its channel's slots
/// are all taken waits in the channel's line, in memory, and takes the next slot the channel frees; only when the
/// line too is full is it stored `pending` for the poller to claim later. The line spares a burst the round trip
/// through the outbox (stored `pending`, read, claimed in a transaction of its own, and only then attempted). Its
/// rows are `in_flight`, so a crash resumes them too.
///
/// The counts are kept under a mutex rather than in an actor because a transaction reserves its place while it is
/// still open, inside GRDB's synchronous write closure, where nothing can be awaited.
public final class DeliveryQueue: DeliveryHandoff {
    private struct State {
        /// Attempts under way, all channels together and per channel.
        var sending = 0
        var sendingByChannel: [Int: Int] = [:]
        /// Deliveries the dispatcher answers for, all channels together and per channel: reserved by a transaction
        /// still open, under way, or waiting in line.
        var held = 0
        var heldByChannel: [Int: Int] = [:]
        /// Per channel, the handed-over deliveries waiting for a slot, oldest first.
        var lines: [Int: [ClaimedDelivery]] = [:]
        /// Handovers are taken only between the dispatcher's start (after it resumed what a crash left in flight)
        /// and its shutdown.
        var accepting = false
        /// Whether `pending` deliveries may be waiting for a slot: a freed slot then wakes the poller, and new
        /// deliveries queue behind them instead of being handed over first, so that a channel receives its
        /// notifications in the order they were accepted. Set as soon as a reservation is refused for want of room
        /// (before its transaction even commits), cleared only by a poll that found the queue drained.
        var backlog = true
        /// Counts the times `backlog` was set, so that a poll clears it only if nothing was queued meanwhile.
        var generation = 0

        /// Deliveries are (about to be) stored `pending`: new ones queue behind them until a poll drains the queue.
        mutating func queueBehind() {
            backlog = true
            generation += 1
        }

        mutating func hold(_ channelId: Int, sending startsNow: Bool) {
            held += 1
            heldByChannel[channelId, default: 0] += 1
            if startsNow { send(channelId) }
        }

        mutating func unhold(_ channelId: Int) {
            held -= 1
            heldByChannel[channelId, default: 1] -= 1
            if heldByChannel[channelId] == 0 { heldByChannel[channelId] = nil }
        }

        /// Takes the oldest delivery in a channel's line; a line left empty is removed.
        mutating func nextInLine(of channelId: Int) -> ClaimedDelivery? {
            guard let next = lines[channelId]?.first else { return nil }
            lines[channelId]?.removeFirst()
            if lines[channelId]?.isEmpty == true { lines[channelId] = nil }
            return next
        }

        mutating func send(_ channelId: Int) {
            sending += 1
            sendingByChannel[channelId, default: 0] += 1
        }

        mutating func unsend(_ channelId: Int) {
            sending -= 1
            sendingByChannel[channelId, default: 1] -= 1
            if sendingByChannel[channelId] == 0 { sendingByChannel[channelId] = nil }
        }
    }

    /// How many deliveries a channel's line holds for each of its slots.
    static let linePerSlot = 3

    private let global: Int
    private let perChannel: Int
    /// Deliveries held at most, all channels together and per channel: the slots and their lines.
    private let heldLimit: Int
    private let heldPerChannelLimit: Int
    private let state = Mutex(State())
    let wakeup = Wakeup()
    let handedOver: AsyncStream<[ClaimedDelivery]>
    private let handOver: AsyncStream<[ClaimedDelivery]>.Continuation

    public init(policy: DeliveryPolicy) {
        global = policy.globalConcurrency
        perChannel = policy.perChannelConcurrency
        heldLimit = global * (1 + Self.linePerSlot)
        heldPerChannelLimit = perChannel * (1 + Self.linePerSlot)
        (handedOver, handOver) = AsyncStream.makeStream(of: [ClaimedDelivery].self)
    }

    public func reserve(channelId: Int) -> Bool {
        state.withLock { state in
            guard state.accepting, !state.backlog else { return false }
            guard state.held < heldLimit, state.heldByChannel[channelId, default: 0] < heldPerChannelLimit else {
                state.queueBehind()
                return false
            }
            state.hold(channelId, sending: false)
            return true
        }
    }

    public func start(_ deliveries: [ClaimedDelivery]) {
        let startNow: [ClaimedDelivery] = state.withLock { state in
            // After shutdown the rows stay `in_flight`, and the next start resumes them.
            guard state.accepting else {
                for delivery in deliveries { state.unhold(delivery.channelId) }
                return []
            }
            var startNow: [ClaimedDelivery] = []
            for delivery in deliveries {
                let channelId = delivery.channelId
                if canStart(channelId, state) {
                    state.send(channelId)
                    startNow.append(delivery)
                } else {
                    state.lines[channelId, default: []].append(delivery)
                }
            }
            return startNow
        }
        guard !startNow.isEmpty else { return }
        if case .terminated = handOver.yield(startNow) {
            for delivery in startNow { finish(channelId: delivery.channelId, takingNext: false) }
        }
    }

    public func release(channelIds: [Int]) {
        state.withLock { state in
            for channelId in channelIds { state.unhold(channelId) }
        }
    }

    public func wake() {
        state.withLock { $0.queueBehind() }
        wakeup.notify()
    }

    /// Whether a delivery to `channelId` may be attempted now: a slot is free, and none of the channel's deliveries
    /// waits in line ahead of it (even when a slot was freed without being handed on).
    private func canStart(_ channelId: Int, _ state: State) -> Bool {
        state.lines[channelId] == nil && state.sending < global && state.sendingByChannel[channelId, default: 0] < perChannel
    }

    /// Slots free, all channels together.
    var free: Int { state.withLock { global - $0.sending } }

    /// Channels with no slot left, or with deliveries in line (which go first): the poller does not even fetch their
    /// due deliveries.
    var saturatedChannels: [Int] {
        state.withLock { state in
            Array(Set(state.sendingByChannel.filter { $0.value >= perChannel }.map(\.key)).union(state.lines.keys))
        }
    }

    /// Takes a slot for each candidate the poller found whose channel has one free, up to the global limit.
    func reserve(_ candidates: [(id: Int64, channelId: Int)]) -> [Int64] {
        state.withLock { state in
            var chosen: [Int64] = []
            for candidate in candidates where canStart(candidate.channelId, state) {
                state.hold(candidate.channelId, sending: true)
                chosen.append(candidate.id)
            }
            return chosen
        }
    }

    /// Ends a delivery's attempt. Its slot goes to the next delivery waiting in its channel's line, or, when the
    /// global limit kept another channel's line waiting, to that one; that delivery is returned, to be attempted by
    /// the caller. Otherwise the slot is freed, and the poller woken when deliveries may be waiting for one. Nothing
    /// is handed on after shutdown began, or when `takingNext` is false.
    @discardableResult
    func finish(channelId: Int, takingNext: Bool = true) -> ClaimedDelivery? {
        let (next, backlog): (ClaimedDelivery?, Bool) = state.withLock { state in
            state.unhold(channelId)
            guard takingNext, state.accepting else {
                state.unsend(channelId)
                return (nil, state.backlog)
            }
            if let next = state.nextInLine(of: channelId) { return (next, state.backlog) }
            state.unsend(channelId)
            if let other = state.lines.keys.first(where: { state.sendingByChannel[$0, default: 0] < perChannel }),
                let next = state.nextInLine(of: other)
            {
                state.send(other)
                return (next, state.backlog)
            }
            return (nil, state.backlog)
        }
        if next == nil, backlog { wakeup.notify() }
        return next
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

    /// Stops taking handovers; the stream ends once those already handed over are taken. Deliveries still waiting in
    /// a line stay `in_flight` in the database, and the next start resumes them.
    func close() {
        state.withLock {
            $0.accepting = false
            $0.lines = [:]
        }
        handOver.finish()
    }
}
