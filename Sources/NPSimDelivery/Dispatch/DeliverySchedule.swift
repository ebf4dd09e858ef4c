import Foundation
import NPSimStore

/// The dispatcher's decisions, as a state machine with no locks, clocks or I/O: which delivery takes a slot, which
/// waits in its channel's line, when the queue poller must look at the outbox, and what an attempt's outcome means
/// for the delivery. Each event returns what the caller must do; ``DeliveryQueue`` runs it under a lock and carries
/// that out, and the tests drive it directly.
///
/// A slot is one attempt under way: one connection to a receiver. Slots are counted for all channels together and
/// per channel, so that one hung or slow channel fills only its own.
///
/// Deliveries reach it two ways. A transaction that stores a delivery reserves a slot while it is still open
/// (``reserve(channelId:)``) and hands the delivery over when it commits (``start(_:)``); a delivery handed over while
/// its channel's slots are all taken waits in the channel's line, in memory, for the next slot the channel frees.
/// Without a reservation a delivery is stored `pending`, and the poller claims it from the outbox when a slot frees
/// up. The handover and the lines spare a burst the round trip through the outbox (stored `pending`, read, claimed in
/// a transaction of its own, then attempted): measured in `Benchmarks/README.md`, each is worth about a tenth of the
/// fan-out throughput. Handed-over rows are `in_flight`, so a crash resumes them too.
///
/// Order per channel: while `pending` deliveries may be waiting for a slot (the backlog), new ones are not handed
/// over but stored `pending` behind them, so that a channel receives its notifications in the order they were
/// accepted.
struct DeliverySchedule {
    /// How many deliveries a channel's line holds for each of its slots.
    static let linePerSlot = 3

    let global: Int
    let perChannel: Int
    let retries: DeliveryPolicy
    /// Deliveries held at most, all channels together and per channel: the slots and their lines.
    private let heldLimit: Int
    private let heldPerChannelLimit: Int

    /// Attempts under way, all channels together and per channel.
    private var sending = 0
    private var sendingByChannel: [Int: Int] = [:]
    /// Deliveries answered for, all channels together and per channel: reserved by a transaction still open, under
    /// way, or waiting in line.
    private var held = 0
    private var heldByChannel: [Int: Int] = [:]
    /// Per channel, the handed-over deliveries waiting for a slot, oldest first.
    private var lines: [Int: [ClaimedDelivery]] = [:]
    /// Handovers are taken only between the dispatcher's start (after it resumed what a crash left in flight) and its
    /// shutdown.
    private var accepting = false
    /// Whether `pending` deliveries may be waiting for a slot. Set as soon as a reservation is refused for want of
    /// room (before its transaction even commits), cleared only by a poll that found the queue drained.
    private var backlog = true
    /// Counts the times `backlog` was set, so that a poll clears it only if nothing was queued while it ran.
    private var generation = 0

    init(policy: DeliveryPolicy) {
        global = policy.globalConcurrency
        perChannel = policy.perChannelConcurrency
        retries = policy
        heldLimit = global * (1 + Self.linePerSlot)
        heldPerChannelLimit = perChannel * (1 + Self.linePerSlot)
    }

    // MARK: Events from storing transactions

    /// A transaction is storing a delivery to `channelId`: whether it may hand it over on commit. Refused while a
    /// backlog exists, and when the slots and lines are full (which starts a backlog).
    mutating func reserve(channelId: Int) -> Bool {
        guard accepting, !backlog else { return false }
        guard held < heldLimit, heldByChannel[channelId, default: 0] < heldPerChannelLimit else {
            queueBehind()
            return false
        }
        hold(channelId)
        return true
    }

    /// The transaction committed: the deliveries to attempt now; the others wait in their channels' lines. After
    /// shutdown nothing starts, and the rows stay `in_flight` for the next start to resume.
    mutating func start(_ deliveries: [ClaimedDelivery]) -> [ClaimedDelivery] {
        guard accepting else {
            for delivery in deliveries { unhold(delivery.channelId) }
            return []
        }
        var startNow: [ClaimedDelivery] = []
        for delivery in deliveries {
            if canStart(delivery.channelId) {
                send(delivery.channelId)
                startNow.append(delivery)
            } else {
                lines[delivery.channelId, default: []].append(delivery)
            }
        }
        return startNow
    }

    /// The transaction rolled back: its reservations are given back.
    mutating func release(channelIds: [Int]) {
        for channelId in channelIds { unhold(channelId) }
    }

    /// Deliveries are (about to be) stored `pending`: new ones queue behind them until a poll drains the queue.
    mutating func queueBehind() {
        backlog = true
        generation += 1
    }

    // MARK: Events from the poller

    /// Slots free, all channels together.
    var free: Int { global - sending }

    /// Channels with no slot left, or with deliveries in line (which go first): the poller does not even fetch their
    /// due deliveries.
    var saturatedChannels: [Int] {
        Array(Set(sendingByChannel.filter { $0.value >= perChannel }.map(\.key)).union(lines.keys))
    }

    /// Takes a slot for each due delivery the poller found whose channel has one free, up to the global limit.
    mutating func reserve(_ candidates: [(id: Int64, channelId: Int)]) -> [Int64] {
        var chosen: [Int64] = []
        for candidate in candidates where canStart(candidate.channelId) {
            hold(candidate.channelId)
            send(candidate.channelId)
            chosen.append(candidate.id)
        }
        return chosen
    }

    /// The poller is about to read the queue: what ``pollFinished(since:drained:)`` is given.
    var pollGeneration: Int { generation }

    /// The poll took every due delivery it could see (`drained`), or left some for a slot to free up. The backlog
    /// is cleared only when it drained and nothing was queued while it ran.
    mutating func pollFinished(since generation: Int, drained: Bool) {
        backlog = !(drained && self.generation == generation)
    }

    // MARK: Events from attempts

    /// What an attempt's verdict makes of its delivery, and the note stored with it.
    func conclusion(of verdict: TargetOutcome.Verdict, attemptNumber: Int, at now: Date) -> (AttemptRecord.Conclusion, note: String?) {
        switch verdict {
        case .delivered:
            return (.delivered, nil)
        case .permanent(let reason):
            return (.failed, "not retried: \(reason)")
        case .retryable(let reason, let retryAfter):
            guard let next = retries.nextAttempt(after: attemptNumber, now: now, retryAfter: retryAfter) else {
                return (.dead, "dead-lettered after \(attemptNumber) attempts: \(reason)")
            }
            return (.retry(atMilliseconds: Int64(next.timeIntervalSince1970 * 1000)), "retried: \(reason)")
        case .postponed(let reason, let until):
            return (.retry(atMilliseconds: Int64(until.timeIntervalSince1970 * 1000)), "postponed: \(reason)")
        }
    }

    /// What the end of an attempt leads to.
    enum Next {
        /// Attempt this delivery in the slot just freed.
        case attempt(ClaimedDelivery)
        /// The slot is free and `pending` deliveries may be waiting for one: the poller should look.
        case wakePoller
        case idle
    }

    /// An attempt to `channelId` ended. Its slot goes to the next delivery in the channel's line, or, when the
    /// global limit kept another channel's line waiting, to that one. Nothing is handed on after shutdown began, or
    /// when `takingNext` is false (a slot the poller reserved for a claim it lost).
    mutating func finish(channelId: Int, takingNext: Bool = true) -> Next {
        unhold(channelId)
        guard takingNext, accepting else {
            unsend(channelId)
            return backlog ? .wakePoller : .idle
        }
        if let next = nextInLine(of: channelId) { return .attempt(next) }
        unsend(channelId)
        if let other = lines.keys.first(where: { sendingByChannel[$0, default: 0] < perChannel }), let next = nextInLine(of: other) {
            send(other)
            return .attempt(next)
        }
        return backlog ? .wakePoller : .idle
    }

    // MARK: Start and shutdown

    mutating func open() {
        accepting = true
    }

    /// Stops taking handovers. Deliveries still waiting in a line stay `in_flight` in the database, and the next
    /// start resumes them.
    mutating func close() {
        accepting = false
        lines = [:]
    }

    /// A reset removed the deliveries waiting in line: they are dropped, and their places given back. Attempts under
    /// way finish.
    mutating func discardLines() {
        for (channelId, waiting) in lines {
            for _ in waiting { unhold(channelId) }
        }
        lines = [:]
    }

    // MARK: Bookkeeping

    /// Whether a delivery to `channelId` may be attempted now: a slot is free, and none of the channel's deliveries
    /// waits in line ahead of it (even when a slot was freed without being handed on).
    private func canStart(_ channelId: Int) -> Bool {
        lines[channelId] == nil && sending < global && sendingByChannel[channelId, default: 0] < perChannel
    }

    private mutating func hold(_ channelId: Int) {
        held += 1
        heldByChannel[channelId, default: 0] += 1
    }

    private mutating func unhold(_ channelId: Int) {
        held -= 1
        heldByChannel[channelId, default: 1] -= 1
        if heldByChannel[channelId] == 0 { heldByChannel[channelId] = nil }
    }

    private mutating func send(_ channelId: Int) {
        sending += 1
        sendingByChannel[channelId, default: 0] += 1
    }

    private mutating func unsend(_ channelId: Int) {
        sending -= 1
        sendingByChannel[channelId, default: 1] -= 1
        if sendingByChannel[channelId] == 0 { sendingByChannel[channelId] = nil }
    }

    /// Takes the oldest delivery in a channel's line; a line left empty is removed.
    private mutating func nextInLine(of channelId: Int) -> ClaimedDelivery? {
        guard let next = lines[channelId]?.first else { return nil }
        lines[channelId]?.removeFirst()
        if lines[channelId]?.isEmpty == true { lines[channelId] = nil }
        return next
    }
}
