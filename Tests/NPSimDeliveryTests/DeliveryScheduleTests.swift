import Foundation
import Testing

@testable import NPSimDelivery
@testable import NPSimStore

/// The dispatcher's decisions, driven directly: which delivery is attempted when, and what an attempt's verdict
/// makes of its delivery. (`#expect` cannot call a mutating method, so each step is taken first and checked after.)
@Suite struct DeliveryScheduleTests {
    static func delivery(_ id: Int64, channel: Int) -> ClaimedDelivery {
        ClaimedDelivery(
            id: id,
            notificationId: "n\(id)",
            channelId: channel,
            channelType: "http",
            attemptNumber: 1,
            source: "service",
            event: "service:action:create",
            body: [],
            channel: nil
        )
    }

    /// A schedule as the dispatcher leaves it once started: open, and its first poll found nothing queued.
    static func started(slots: Int, perChannel: Int, retries: [Duration] = []) -> DeliverySchedule {
        var schedule = DeliverySchedule(
            policy: DeliveryPolicy(retrySchedule: retries, jitter: 0, globalConcurrency: slots, perChannelConcurrency: perChannel)
        )
        schedule.open()
        schedule.pollFinished(since: schedule.pollGeneration, drained: true)
        return schedule
    }

    /// Reserves and hands over deliveries `ids` of `channel` as one committed transaction would; returns the ids of
    /// those attempted at once.
    static func handOver(_ ids: [Int64], channel: Int, to schedule: inout DeliverySchedule) -> [Int64] {
        for _ in ids {
            let reserved = schedule.reserve(channelId: channel)
            #expect(reserved, "a place for delivery to channel \(channel)")
        }
        return schedule.start(ids.map { delivery($0, channel: channel) }).map(\.id)
    }

    /// What a finished attempt leads to: the id of the delivery that takes the slot, `wake` or `idle`.
    static func finish(_ channelId: Int, takingNext: Bool = true, in schedule: inout DeliverySchedule) -> String {
        switch schedule.finish(channelId: channelId, takingNext: takingNext) {
        case .attempt(let delivery): String(delivery.id)
        case .wakePoller: "wake"
        case .idle: "idle"
        }
    }

    @Test func aChannelsLineTakesItsSlotsInOrder() {
        var schedule = Self.started(slots: 8, perChannel: 1)
        let startedAtOnce = Self.handOver([1, 2, 3], channel: 7, to: &schedule)
        #expect(startedAtOnce == [1], "one slot: the first is attempted, the others wait")
        #expect(schedule.saturatedChannels == [7])
        let slotGoesTo = (1...3).map { _ in Self.finish(7, in: &schedule) }
        #expect(slotGoesTo == ["2", "3", "idle"])
        #expect(schedule.free == 8)
    }

    @Test func aFullLineStartsABacklogThatOnlyADrainingPollEnds() {
        var schedule = Self.started(slots: 8, perChannel: 1)
        _ = Self.handOver([1, 2, 3, 4], channel: 7, to: &schedule)
        let sameChannel = schedule.reserve(channelId: 7)
        #expect(!sameChannel, "one slot and a line of three are full")
        let otherChannel = schedule.reserve(channelId: 8)
        #expect(!otherChannel, "deliveries are queued pending now: no channel may be handed one ahead of them")
        let slotGoesTo = Self.finish(7, in: &schedule)
        #expect(slotGoesTo == "2", "the line still goes first")

        // A poll during which another delivery was queued pending does not end the backlog.
        let generation = schedule.pollGeneration
        schedule.queueBehind()
        schedule.pollFinished(since: generation, drained: true)
        let afterOvertakenPoll = schedule.reserve(channelId: 8)
        #expect(!afterOvertakenPoll)
        schedule.pollFinished(since: schedule.pollGeneration, drained: false)
        let afterPartialPoll = schedule.reserve(channelId: 8)
        #expect(!afterPartialPoll, "a poll that left due deliveries behind keeps the backlog")
        schedule.pollFinished(since: schedule.pollGeneration, drained: true)
        let afterDrainingPoll = schedule.reserve(channelId: 8)
        #expect(afterDrainingPoll, "drained: handovers resume")
    }

    @Test func aFreedSlotWakesThePollerOnlyWhileDeliveriesMayBeWaiting() {
        var schedule = Self.started(slots: 8, perChannel: 1)
        _ = Self.handOver([1], channel: 7, to: &schedule)
        let withoutBacklog = Self.finish(7, in: &schedule)
        #expect(withoutBacklog == "idle", "no backlog: nothing to look for")
        _ = Self.handOver([2], channel: 7, to: &schedule)
        schedule.queueBehind()
        let withBacklog = Self.finish(7, in: &schedule)
        #expect(withBacklog == "wake", "a backlog: the poller looks at the outbox")
    }

    @Test func aRolledBackTransactionGivesItsReservationsBack() {
        var schedule = Self.started(slots: 1, perChannel: 1)
        let reserved = (1...5).map { _ in schedule.reserve(channelId: 7) }
        #expect(reserved == [true, true, true, true, false], "one slot and a line of three")
        schedule.pollFinished(since: schedule.pollGeneration, drained: true)
        schedule.release(channelIds: [7, 7, 7, 7])
        let startedAtOnce = Self.handOver([1, 2, 3, 4], channel: 7, to: &schedule)
        #expect(startedAtOnce == [1], "every place is free again")
    }

    @Test func aSlotFreedWithoutBeingHandedOnDoesNotLetANewDeliveryOvertakeTheLine() {
        // Global limit 1: channel 8's delivery waits in line behind channel 7's attempt.
        var schedule = Self.started(slots: 1, perChannel: 2)
        var startedAtOnce = Self.handOver([1], channel: 7, to: &schedule) + Self.handOver([2], channel: 8, to: &schedule)
        #expect(startedAtOnce == [1])
        // The poller gives back a slot it reserved for a claim it lost: the slot is free, but 8's line goes first.
        var claimed = schedule.reserve([(id: 9, channelId: 8)])
        #expect(claimed.isEmpty, "the global slot is taken")
        #expect(schedule.saturatedChannels.contains(8), "a channel with a line is not read by the poller")
        let lostClaim = Self.finish(7, takingNext: false, in: &schedule)
        #expect(lostClaim == "idle")
        startedAtOnce = Self.handOver([3], channel: 8, to: &schedule)
        #expect(startedAtOnce.isEmpty, "behind 8's line, not in the free slot")
        claimed = schedule.reserve([(id: 9, channelId: 8)])
        #expect(claimed.isEmpty)
        startedAtOnce = Self.handOver([4], channel: 7, to: &schedule)
        #expect(startedAtOnce == [4], "7 has no line: its new delivery takes the free slot")
        let slotGoesTo = [Self.finish(7, in: &schedule), Self.finish(8, in: &schedule), Self.finish(8, in: &schedule)]
        #expect(slotGoesTo == ["2", "3", "idle"], "the slot goes to channel 8's line, oldest first")
    }

    @Test func shutdownDropsTheLinesAndHandsNothingOn() {
        var schedule = Self.started(slots: 8, perChannel: 1)
        _ = Self.handOver([1, 2], channel: 7, to: &schedule)
        schedule.close()
        let slotGoesTo = Self.finish(7, in: &schedule)
        #expect(slotGoesTo == "idle", "the waiting delivery stays in flight in the database for the next start")
        let reserved = schedule.reserve(channelId: 7)
        #expect(!reserved)
        let started = schedule.start([Self.delivery(3, channel: 7)])
        #expect(started.isEmpty)
    }

    @Test func aVerdictBecomesOneOutcome() {
        let schedule = Self.started(slots: 8, perChannel: 1, retries: [.seconds(1), .seconds(5)])
        let now = Date(timeIntervalSince1970: 1_000)
        let delivered = schedule.conclusion(of: .delivered, attemptNumber: 1, at: now)
        #expect(delivered.0.outcome == "delivered" && delivered.0.status == .delivered && delivered.note == nil)
        let refused = schedule.conclusion(of: .permanent(note: "HTTP 404"), attemptNumber: 1, at: now)
        #expect(refused.0.outcome == "failed" && refused.0.status == .failed && refused.note == "not retried: HTTP 404")
        let retried = schedule.conclusion(of: .retryable(note: "HTTP 503", retryAfter: nil), attemptNumber: 2, at: now)
        #expect(retried.0.outcome == "retry" && retried.0.status == .pending && retried.0.nextAttemptAt == 1_005_000)
        let dead = schedule.conclusion(of: .retryable(note: "HTTP 503", retryAfter: nil), attemptNumber: 3, at: now)
        #expect(dead.0.outcome == "dead" && dead.0.status == .dead && dead.note == "dead-lettered after 3 attempts: HTTP 503")
    }

    @Test func theQueueHandsOverWhatTheScheduleStarts() async {
        let queue = DeliveryQueue(policy: DeliveryPolicy(globalConcurrency: 8, perChannelConcurrency: 1))
        queue.open()
        queue.pollFinished(since: queue.pollStarting(), drained: true)
        var started = queue.handedOver.makeAsyncIterator()
        #expect(queue.reserve(channelId: 7) && queue.reserve(channelId: 7))
        queue.start([Self.delivery(1, channel: 7), Self.delivery(2, channel: 7)])
        #expect(await started.next()?.map(\.id) == [1])
        #expect(queue.finish(channelId: 7)?.id == 2)
    }
}
