import Foundation
import NPSimCore
import Testing

@testable import NPSimDelivery

/// What the faults a test injects make of each attempt, decided without a server: which attempts fail, are
/// dropped, held for a reordered window, duplicated or signed wrongly, and when the postponed ones go.
@Suite struct DeliveryFaultsTests {
    static func faults(_ plan: JSONValue, channel: Int = 1) throws -> DeliveryFaults {
        let faults = DeliveryFaults()
        faults.set(try DeliveryFaults.Plan(parsing: plan), channelId: channel)
        return faults
    }

    @Test func aReorderWindowSendsTheNewestFirstAfterItClosesAndDoesNotHoldTheResends() throws {
        let faults = try Self.faults(["reorder_next": ["count": 3, "window": 2]])
        let start = Date(timeIntervalSince1970: 1_000_000)
        let held = try (1...3).map { id in
            let until = try #require(
                faults.take(channelId: 1, deliveryId: Int64(id), now: start.addingTimeInterval(Double(id) / 10))?.postpone?.until
            )
            return Int((until.timeIntervalSince(start) * 1000).rounded())
        }
        // The window closes 2 s after the first (at 0.1 s); the third (newest) goes then, the first 200 ms later.
        #expect(held == [2300, 2200, 2100])
        #expect(faults.json["1"]?["holding"] == 3)
        #expect(faults.take(channelId: 1, deliveryId: 4, now: start.addingTimeInterval(0.5))?.postpone == nil, "the window took 3")
        // A late dispatcher finds all three due at once: each resend waits until the newer ones were attempted.
        let turns = try [1, 2, 3].map { id in
            let resend = try #require(faults.take(channelId: 1, deliveryId: Int64(id), now: start.addingTimeInterval(3)))
            #expect(resend.postpone == nil, "a resend is not held again")
            return try #require(resend.turn)
        }
        #expect(turns.map(faults.mayGo) == [false, false, true])
        faults.finished(turns[2])
        #expect(turns.map(faults.mayGo) == [false, true, true])
        faults.finished(turns[1])
        #expect(faults.mayGo(turns[0]))
        faults.finished(turns[0])
        #expect(faults.json == [:], "the fault is used up")
    }

    @Test func aWindowThatClosesBeforeItFillsHoldsNoLatecomer() throws {
        let faults = try Self.faults(["reorder_next": ["count": 5, "window": 1]])
        let start = Date(timeIntervalSince1970: 1_000_000)
        let first = try #require(faults.take(channelId: 1, deliveryId: 1, now: start)?.postpone?.until)
        let second = try #require(faults.take(channelId: 1, deliveryId: 2, now: start.addingTimeInterval(0.5))?.postpone?.until)
        #expect(second < first, "newest first, even in a window that did not fill")
        #expect(faults.take(channelId: 1, deliveryId: 3, now: start.addingTimeInterval(1.5))?.postpone == nil, "the window had closed")
        #expect(faults.json["1"]?["reorder_next"] == .null)
    }

    @Test func dropsComeBeforeDuplicatesAndSignaturesCountOnlySentAttempts() throws {
        let faults = try Self.faults(["drop_next": ["count": 1, "resend_after": 30], "duplicate_next": 1, "tamper_signature_next": 1])
        let now = Date(timeIntervalSince1970: 1_000_000)
        let dropped = try #require(faults.take(channelId: 1, deliveryId: 1, now: now))
        #expect(dropped.postpone?.until == now.addingTimeInterval(30))
        #expect(!dropped.duplicate && dropped.signature == nil)
        let sent = try #require(faults.take(channelId: 1, deliveryId: 1, now: now.addingTimeInterval(30)))
        #expect(sent.postpone == nil && sent.duplicate && sent.signature == .tampered)
        #expect(faults.take(channelId: 1, deliveryId: 2, now: now) == nil, "all used up")
        #expect(faults.take(channelId: 2, deliveryId: 3, now: now) == nil, "other channels are untouched")
    }

    @Test(arguments: [
        (#"{"drop_next": {"count": 0}}"#, "drop_next needs count"),
        (#"{"reorder_next": {"count": 1}}"#, "reorder_next needs count (2 to 100)"),
        (#"{"reorder_next": {"count": 3, "window": -1}}"#, "reorder_next.window must be a number of seconds"),
        (#"{"stale_signature_next": {"count": 1, "age": 0}}"#, "at least 1 second"),
        (#"{"tamper_signature_next": 1, "stale_signature_next": {"count": 1}}"#, "cannot be set together"),
        (#"{"drop_next": {"count": 1, "resend_after": 1e300}}"#, "drop_next.resend_after must be a number of seconds from 0 to 3600"),
    ])
    func nonsensePlansAreRefusedNamingTheField(plan: String, message: String) throws {
        let body = try JSONParser.parse(Array(plan.utf8))
        #expect {
            try DeliveryFaults.Plan(parsing: body)
        } throws: { error in
            (error as? APIError)?.message.contains(message) == true
        }
    }
}
