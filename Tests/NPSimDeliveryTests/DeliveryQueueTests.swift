import Testing

@testable import NPSimDelivery
@testable import NPSimStore

/// The dispatcher's slots and lines, without a server: which delivery is attempted when.
@Suite struct DeliveryQueueTests {
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

    /// A queue as the dispatcher leaves it once started: open, and its first poll found nothing queued.
    static func started(slots: Int, perChannel: Int) -> DeliveryQueue {
        let queue = DeliveryQueue(policy: DeliveryPolicy(globalConcurrency: slots, perChannelConcurrency: perChannel))
        queue.open()
        queue.pollFinished(since: queue.pollStarting(), drained: true)
        return queue
    }

    /// Reserves and hands over deliveries `ids` of `channel` as one committed transaction would; returns the ids of
    /// those attempted at once (read from the stream only when some took a slot, so a test that fails cannot hang).
    static func handOver(
        _ ids: [Int64],
        channel: Int,
        to queue: DeliveryQueue,
        _ started: inout AsyncStream<[ClaimedDelivery]>.Iterator
    ) async -> [Int64] {
        let free = queue.free
        for _ in ids { #expect(queue.reserve(channelId: channel)) }
        queue.start(ids.map { delivery($0, channel: channel) })
        guard queue.free < free else { return [] }
        return await started.next()?.map(\.id) ?? []
    }

    @Test func aChannelsLineTakesItsSlotsInOrder() async {
        let queue = Self.started(slots: 8, perChannel: 1)
        var started = queue.handedOver.makeAsyncIterator()
        #expect(await Self.handOver([1, 2, 3], channel: 7, to: queue, &started) == [1], "one slot: the first is attempted, the others wait")
        #expect(queue.saturatedChannels == [7])
        #expect(queue.finish(channelId: 7)?.id == 2)
        #expect(queue.finish(channelId: 7)?.id == 3)
        #expect(queue.finish(channelId: 7) == nil)
        #expect(queue.free == 8)
    }

    @Test func aFullLineRefusesAndQueuesBehind() async {
        let queue = Self.started(slots: 8, perChannel: 1)
        var started = queue.handedOver.makeAsyncIterator()
        #expect(await Self.handOver([1, 2, 3, 4], channel: 7, to: queue, &started) == [1])
        #expect(!queue.reserve(channelId: 7), "one slot and a line of three are full")
        #expect(!queue.reserve(channelId: 8), "deliveries are queued pending now: no channel may be handed one ahead of them")
    }

    @Test func aSlotFreedWithoutBeingHandedOnDoesNotLetANewDeliveryOvertakeTheLine() async {
        // Global limit 1: channel 8's delivery waits in line behind channel 7's attempt.
        let queue = Self.started(slots: 1, perChannel: 2)
        var started = queue.handedOver.makeAsyncIterator()
        #expect(await Self.handOver([1], channel: 7, to: queue, &started) == [1])
        #expect(await Self.handOver([2], channel: 8, to: queue, &started) == [])
        // The poller gives back a slot it reserved for a claim it lost: the slot is free, but 8's line goes first.
        #expect(queue.reserve([(id: 9, channelId: 8)]).isEmpty, "the global slot is taken")
        #expect(queue.saturatedChannels.contains(8), "a channel with a line is not read by the poller")
        #expect(queue.finish(channelId: 7, takingNext: false) == nil)
        #expect(await Self.handOver([3], channel: 8, to: queue, &started) == [], "behind 8's line, not in the free slot")
        #expect(queue.reserve([(id: 9, channelId: 8)]).isEmpty)
        #expect(await Self.handOver([4], channel: 7, to: queue, &started) == [4], "7 has no line: its new delivery takes the free slot")
        #expect(queue.finish(channelId: 7)?.id == 2, "the slot goes to channel 8's line, oldest first")
        #expect(queue.finish(channelId: 8)?.id == 3)
        #expect(queue.finish(channelId: 8) == nil)
    }

    @Test func shutdownDropsTheLinesAndHandsNothingOn() async {
        let queue = Self.started(slots: 8, perChannel: 1)
        var started = queue.handedOver.makeAsyncIterator()
        #expect(await Self.handOver([1, 2], channel: 7, to: queue, &started) == [1])
        queue.close()
        #expect(queue.finish(channelId: 7) == nil, "the waiting delivery stays in flight in the database for the next start")
        #expect(!queue.reserve(channelId: 7))
    }
}
