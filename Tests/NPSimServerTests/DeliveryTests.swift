import Foundation
import GRDB
import NPSimCore
import NPSimDelivery
import Testing

@Suite struct DeliveryTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    /// An http channel at the account, pointed at `url`.
    static func channel(_ url: String, filters: JSONValue = [:], extra: JSONObject = [:]) -> JSONValue {
        var configuration: JSONObject = ["url": .string(url), "headers": ["Authorization": "Bearer the-token"]]
        for (key, value) in extra { configuration[key] = value }
        return [
            "nrn": "organization=1:account=2", "type": "http", "source": ["service"], "configuration": .object(configuration), "filters": filters,
        ]
    }

    /// Runs `test` against a server with these slots, and `receivers` receivers that hold every request until their
    /// gate opens (all gates open when the test ends, however it ends). Nothing depends on timing: what a receiver
    /// holds at a given moment is exactly what was sent to it.
    static func withGatedReceivers(
        _ receivers: Int,
        slotsPerChannel: Int,
        slots: Int = DeliveryPolicy().globalConcurrency,
        _ test: @Sendable @escaping ([WebhookReceiver], [WebhookReceiver.Gate], APIClient) async throws -> Void
    ) async throws {
        var policy = DeliveryPolicy.forTests
        policy.timeout = .seconds(60)
        policy.globalConcurrency = slots
        policy.perChannelConcurrency = slotsPerChannel
        let gates = (0..<receivers).map { _ in WebhookReceiver.Gate() }
        try await withReceivers(gates.map { gate in { _ in .gated(gate) } }) { [policy] receivers in
            try await withServer(delivery: policy) { api in
                try await WebhookReceiver.Gate.opening(gates) { try await test(receivers, gates, api) }
            }
        }
    }

    /// Runs the create action and then `count - 1` custom ones on a new service; returns the actions' ids in order.
    static func runActions(_ count: Int, _ api: APIClient) async throws -> [String] {
        let service = try await api.createMySQL()
        var ids = [try await api.runAction(on: service, spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])]
        for _ in 1..<count { ids.append(try await api.runAction(on: service, spec: Fixtures.getCredentials)) }
        return ids
    }

    @Test func theReceiverGetsTheExactEnvelopeSignedAndWithNullplatformsHeaders() async throws {
        try await withReceivers([{ _ in .status(200) }]) { receivers in
            try await withServer { api in
                try await api.expect(
                    200,
                    .post,
                    "/notification/channel",
                    Self.channel(receivers[0].url, extra: ["signing_secret": .string(Self.secret)])
                )
                let service = try await api.createMySQL()
                let action = try await api.runAction(on: service, spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])
                try await eventually("the receiver got the notification") { await receivers[0].requests.count == 1 }
                let received = try #require(await receivers[0].requests.first)
                let notifications = try await api.expect(200, .get, "/notification?action_id=\(action)")
                let stored = try #require(notifications["results"]?.arrayValue?.first)
                let id = try #require(stored["id"]?.stringValue)

                #expect(received.json["id"] == .string(id))
                #expect(received.json["source"] == "service")
                #expect(received.json["notification"] == stored["notification"])
                #expect(received.json["notification"]?["id"] == .string(action))
                #expect(received.json["notification"]?["service"]?["id"] == .string(service))
                #expect(received.json["notification"]?["tags"]?["application"] == "my-application")
                #expect(received.json["notification"]?["parameters"] == ["version": "8.4", "size": "small"])
                #expect(received.headers["content-type"] == "application/json")
                #expect(received.headers["authorization"] == "Bearer the-token")
                #expect(received.headers["np-source"] == "service")
                #expect(received.headers["np-event"] == "service:action:create")
                #expect(received.headers["user-agent"]?.hasPrefix("npsim/") == true)
                let webhookId = try #require(received.headers["webhook-id"])
                let timestamp = try #require(received.headers["webhook-timestamp"].flatMap(Int.init))
                let expected = WebhookSigner(secret: Self.secret).signature(id: webhookId, timestamp: timestamp, body: received.body)
                #expect(received.headers["webhook-signature"] == expected)

                let result = try await api.expect(200, .get, "/notification/\(id)/result")
                let attempt = try #require(result["results"]?.arrayValue?.first?["attempt_log"]?.arrayValue?.first)
                #expect(attempt["request_body"] == .string(String(decoding: received.body, as: UTF8.self)))
                #expect(attempt["request"]?["headers"]?["Authorization"] == .string(ChannelType.mask))
                #expect(result["status"] == "delivered")
            }
        }
    }

    @Test func serverErrorsAreRetriedWithTheSameWebhookId() async throws {
        try await withReceivers([{ $0 <= 2 ? .status(500) : .status(200) }]) { receivers in
            try await withServer(delivery: Self.signed(.forTests)) { api in
                try await api.expect(200, .post, "/notification/channel", Self.channel(receivers[0].url))
                let service = try await api.createMySQL()
                _ = try await api.runAction(on: service, spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])
                try await eventually("three attempts arrived") { await receivers[0].requests.count == 3 }
                let ids = Set(await receivers[0].requests.compactMap { $0.headers["webhook-id"] })
                #expect(ids.count == 1)
                let id = try #require(try await api.expect(200, .get, "/notification")["results"]?.arrayValue?.first?["id"]?.stringValue)
                try await eventually("the notification is delivered") {
                    try await api.expect(200, .get, "/notification/\(id)")["status"] == "delivered"
                }
                let log = try #require(
                    try await api.expect(200, .get, "/notification/\(id)/result")["results"]?.arrayValue?.first?["attempt_log"]?.arrayValue
                )
                #expect(log.map { $0["outcome"] } == ["retry", "retry", "delivered"])
                #expect(log.map { $0["response"]?["status"] } == [500, 500, 200])
                #expect(log[0]["request"]?["retry_decision"]?.stringValue?.hasPrefix("retried: status 500") == true)
            }
        }
    }

    @Test func anEnvelopeSentAsItIsStoredIsNotStoredAgainWithEachAttempt() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-attempts-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        try await withReceivers([{ $0 == 1 ? .status(500) : .status(200) }]) { receivers in
            try await withServer(databasePath: path) { api in
                try await api.expect(200, .post, "/notification/channel", Self.channel(receivers[0].url))
                let service = try await api.createMySQL()
                let action = try await api.runAction(on: service, spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])
                let notifications = try await api.expect(200, .get, "/notification?action_id=\(action)")
                let id = try #require(notifications["results"]?.arrayValue?.first?["id"]?.stringValue)
                try await eventually("delivered on the second attempt") {
                    try await api.expect(200, .get, "/notification/\(id)")["status"] == "delivered"
                }
                let log = try #require(
                    try await api.expect(200, .get, "/notification/\(id)/result")["results"]?.arrayValue?.first?["attempt_log"]?.arrayValue
                )
                let received = await receivers[0].requests.map { JSONValue.string(String(decoding: $0.body, as: UTF8.self)) }
                #expect(received.count == 2)
                #expect(log.map { $0["request_body"] } == received, "each attempt shows the bytes it sent")
                let stored = try await DatabaseQueue(path: path).read { db in
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM attempt WHERE request_body IS NULL")
                }
                #expect(stored == 2, "the envelope is kept once, with the notification")
            }
        }
    }

    @Test func aHungReceiverIsDeadLetteredWhileAnotherChannelKeepsReceiving() async throws {
        // The hung channel needs two 3-second timeouts to be dead-lettered: a margin wide enough that a busy CI
        // machine still delivers the healthy channel's six first, unless delivery waited on the hung one.
        let policy = DeliveryPolicy(timeout: .seconds(3), retrySchedule: [.milliseconds(50)], jitter: 0, pollInterval: .milliseconds(20))
        try await withReceivers([{ _ in .hang }, { _ in .status(204) }]) { receivers in
            try await withServer(delivery: policy) { api in
                let hung = try await api.expect(200, .post, "/notification/channel", Self.channel(receivers[0].url))["id"]!.intValue!
                try await api.expect(200, .post, "/notification/channel", Self.channel(receivers[1].url))
                let service = try await api.createMySQL()
                _ = try await api.runAction(on: service, spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])
                for _ in 0..<5 { _ = try await api.runAction(on: service, spec: Fixtures.getCredentials) }
                try await eventually("the healthy channel got all six") { await receivers[1].requests.count == 6 }
                let deadMeanwhile = try await api.expect(200, .get, "/_npsim/deliveries?channel_id=\(hung)&status=dead")["paging"]?["total"]
                #expect(deadMeanwhile == 0, "the healthy channel must not wait for the hung one's timeouts")
                try await eventually(within: .seconds(30), "the hung channel's deliveries are dead-lettered") {
                    try await api.expect(200, .get, "/_npsim/deliveries?channel_id=\(hung)&status=dead")["paging"]?["total"] == 6
                }
                let dead = try await api.expect(200, .get, "/_npsim/deliveries?channel_id=\(hung)&status=dead&limit=1")
                let delivery = try #require(dead["results"]?.arrayValue?.first)
                #expect(delivery["attempts"] == 2)
                #expect(delivery["last_error"] == "timed out waiting for the receiver")
                let notification = try await api.expect(200, .get, "/notification/\(delivery["notification_id"]!.stringValue!)")
                #expect(notification["status"] == "failed")
            }
        }
    }

    @Test func aChannelsSlotsAreConnectionsToTheReceiverAllAtOnce() async throws {
        // Twelve slots, more than AsyncHTTPClient's own default of 8 connections per host: when that default applied,
        // deliveries beyond the 8th waited in its pool (where a slow receiver made them fail as never connected),
        // so a receiver never saw more than 8 at once whatever the setting said.
        try await Self.withGatedReceivers(1, slotsPerChannel: 12) { receivers, gates, api in
            let channel = try await api.expect(200, .post, "/notification/channel", Self.channel(receivers[0].url))["id"]!.intValue!
            _ = try await Self.runActions(20, api)
            try await eventually("the receiver holds twelve requests at once") { await receivers[0].requests.count == 12 }
            await gates[0].open()
            try await eventually(within: .seconds(30), "all twenty are delivered") {
                try await api.expect(200, .get, "/_npsim/deliveries?channel_id=\(channel)&status=delivered")["paging"]?["total"] == 20
            }
            #expect(await receivers[0].peakInFlight == 12, "as many requests at once as the channel has slots, and no more")
            #expect(await receivers[0].requests.count == 20, "each delivered by its first attempt")
        }
    }

    @Test func deliveriesBeyondAChannelsSlotsWaitInLineInMemoryThenInTheQueue() async throws {
        // Two slots and a line of six: of twelve deliveries to a receiver that holds them, two are attempted at once,
        // six wait in memory (stored in flight) and the last four are stored pending for the poller. (That they leave
        // in order is DeliveryOrderTests' part: with two slots, two requests sent together may arrive either way round.)
        try await Self.withGatedReceivers(1, slotsPerChannel: 2) { receivers, gates, api in
            let channel = try await api.expect(200, .post, "/notification/channel", Self.channel(receivers[0].url))["id"]!.intValue!
            let accepted = try await Self.runActions(12, api)
            func count(_ status: String) async throws -> JSONValue? {
                try await api.expect(200, .get, "/_npsim/deliveries?channel_id=\(channel)&status=\(status)")["paging"]?["total"]
            }
            try await eventually("the receiver holds two") { await receivers[0].requests.count == 2 }
            #expect(try await count("in_flight") == 8)
            #expect(try await count("pending") == 4)
            await gates[0].open()
            try await eventually(within: .seconds(30), "all twelve are delivered") { try await count("delivered") == 12 }
            let arrived = await receivers[0].requests.compactMap { $0.json["notification"]?["id"]?.stringValue }
            #expect(arrived.sorted() == accepted.sorted())
            #expect(await receivers[0].peakInFlight == 2)
        }
    }

    @Test func aSlotFreedUnderTheGlobalLimitGoesToAnotherChannelsLine() async throws {
        // Two slots in all, two per channel: the first delivery of each channel takes one, the others wait in line.
        // When channel A's finish and its line is empty, the freed slot must go to B's line, whose receiver still
        // holds B's first delivery.
        try await Self.withGatedReceivers(2, slotsPerChannel: 2, slots: 2) { receivers, gates, api in
            for receiver in receivers { try await api.expect(200, .post, "/notification/channel", Self.channel(receiver.url)) }
            _ = try await Self.runActions(3, api)
            func held() async -> [Int] { [await receivers[0].requests.count, await receivers[1].requests.count] }
            try await eventually("each receiver holds one") { await held() == [1, 1] }
            await gates[0].open()
            try await eventually("A got all three and B a second one while it still holds its first") { await held() == [3, 2] }
            await gates[1].open()
            try await eventually("all six are delivered") {
                try await api.expect(200, .get, "/_npsim/deliveries?status=delivered")["paging"]?["total"] == 6
            }
        }
    }

    @Test func clientErrorsFailAtOnceAndRetryAfterIsHonoured() async throws {
        try await withReceivers([{ _ in .status(404) }, { $0 == 1 ? .status(429, headers: ["Retry-After": "1"]) : .status(200) }]) { receivers in
            try await withServer { api in
                let gone = try await api.expect(200, .post, "/notification/channel", Self.channel(receivers[0].url))["id"]!.intValue!
                let throttled = try await api.expect(200, .post, "/notification/channel", Self.channel(receivers[1].url))["id"]!.intValue!
                let service = try await api.createMySQL()
                _ = try await api.runAction(on: service, spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])
                try await eventually("the 404 delivery failed") {
                    try await api.expect(200, .get, "/_npsim/deliveries?channel_id=\(gone)&status=failed")["paging"]?["total"] == 1
                }
                #expect(await receivers[0].requests.count == 1)
                try await eventually("the throttled delivery succeeded") {
                    try await api.expect(200, .get, "/_npsim/deliveries?channel_id=\(throttled)&status=delivered")["paging"]?["total"] == 1
                }
                let id = try #require(
                    try await api.expect(200, .get, "/_npsim/deliveries?channel_id=\(throttled)")["results"]?.arrayValue?.first?["id"]?.intValue
                )
                let log = try #require(try await api.expect(200, .get, "/_npsim/deliveries/\(id)")["attempt_log"]?.arrayValue)
                let times = try log.map { try Date(#require($0["started_at"]?.stringValue), strategy: .iso8601) }
                #expect(times.count == 2)
                #expect(times[1].timeIntervalSince(times[0]) > 0.9, "Retry-After: 1 must delay the retry beyond the 50 ms schedule")
            }
        }
    }

    @Test func resendMakesANewNotificationWithTheSamePayload() async throws {
        try await withReceivers([{ _ in .status(200) }, { _ in .status(200) }]) { receivers in
            try await withServer { api in
                let first = try await api.expect(200, .post, "/notification/channel", Self.channel(receivers[0].url))["id"]!.intValue!
                try await api.expect(200, .post, "/notification/channel", Self.channel(receivers[1].url))
                let service = try await api.createMySQL()
                _ = try await api.runAction(on: service, spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])
                try await eventually("both receivers got it") {
                    let (a, b) = (await receivers[0].requests.count, await receivers[1].requests.count)
                    return a == 1 && b == 1
                }
                let original = try #require(try await api.expect(200, .get, "/notification")["results"]?.arrayValue?.first)
                let id = original["id"]!.stringValue!

                let resent = try await api.expect(200, .post, "/notification/\(id)/resend", ["channel_ids": [.string(String(first))]])
                #expect(resent["id"] != original["id"])
                #expect(resent["resent_from"] == .string(id))
                #expect(resent["notification"] == original["notification"])
                try await eventually("only the chosen channel got the resend") { await receivers[0].requests.count == 2 }
                #expect(await receivers[1].requests.count == 1)
                #expect(await receivers[0].requests[1].json["notification"] == original["notification"])

                try await api.expect(200, .post, "/notification/\(id)/resend", ["channel_ids": [.int(first)]])
                try await api.expect(200, .post, "/notification/\(id)/resend", [:])
                try await eventually("the resend to all reached both") {
                    let (a, b) = (await receivers[0].requests.count, await receivers[1].requests.count)
                    return a == 4 && b == 2
                }
                try await api.expect(400, .post, "/notification/\(id)/resend", ["channel_ids": []])
                try await api.expect(400, .post, "/notification/\(id)/resend", ["channel_ids": [9999]])
                try await api.expect(400, .post, "/notification/\(id)/resend", ["channel_ids": ["abc"]])
                try await api.expect(404, .post, "/notification/nope/resend", [:])
                try await api.expect(200, .post, "/notification/resend", ["notification_id": .string(id), "channels": [["id": .int(first)]]])
            }
        }
    }

    @Test func aDeadLetteredDeliveryCanBeRetriedByHand() async throws {
        try await withReceivers([{ $0 <= 3 ? .status(503) : .status(200) }]) { receivers in
            try await withServer { api in
                let channel = try await api.expect(200, .post, "/notification/channel", Self.channel(receivers[0].url))["id"]!.intValue!
                let service = try await api.createMySQL()
                _ = try await api.runAction(on: service, spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])
                var deliveryId = 0
                try await eventually("the delivery is dead after three attempts") {
                    let dead = try await api.expect(200, .get, "/_npsim/deliveries?channel_id=\(channel)&status=dead")
                    deliveryId = dead["results"]?.arrayValue?.first?["id"]?.intValue ?? 0
                    return deliveryId != 0
                }
                let retried = try await api.expect(200, .post, "/_npsim/deliveries/\(deliveryId)/retry")
                #expect(retried["status"] == "pending")
                try await eventually("the retried delivery is delivered") {
                    try await api.expect(200, .get, "/_npsim/deliveries/\(deliveryId)")["status"] == "delivered"
                }
                let delivery = try await api.expect(200, .get, "/_npsim/deliveries/\(deliveryId)")
                #expect(delivery["attempt_log"]?.arrayValue?.count == 4)
                try await api.expect(409, .post, "/_npsim/deliveries/\(deliveryId)/retry")
                try await api.expect(404, .post, "/_npsim/deliveries/999999/retry")
            }
        }
    }

    @Test func aNotificationThatMatchesNoChannelIsKeptAndSaysWhy() async throws {
        try await withServer { api in
            let service = try await api.createMySQL()
            _ = try await api.runAction(on: service, spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])
            let lonely = try #require(try await api.expect(200, .get, "/notification")["results"]?.arrayValue?.first)
            #expect(lonely["status"] == "unmatched")
            #expect(lonely["routing"]?["skipped"] == ["no notification channel exists; create one with POST /notification/channel"])

            try await api.expect(
                200,
                .post,
                "/notification/channel",
                Self.channel("http://127.0.0.1:9/x", filters: ["service.specification.slug": "redis"])
            )
            var inactive = Self.channel("http://127.0.0.1:9/x").objectValue!
            inactive["status"] = "inactive"
            try await api.expect(200, .post, "/notification/channel", .object(inactive))
            _ = try await api.runAction(on: service, spec: Fixtures.getCredentials)
            let skipped = try #require(
                try await api.expect(200, .get, "/notification?status=unmatched")["results"]?.arrayValue?.first?["routing"]?["skipped"]?.arrayValue
            )
            #expect(skipped.count == 2)
            #expect(skipped.contains { $0.stringValue?.contains("filters") == true })
            #expect(skipped.contains { $0.stringValue?.contains("inactive") == true })
        }
    }

    @Test func filtersRouteNotificationsByTheirContent() async throws {
        try await withReceivers([{ _ in .status(200) }, { _ in .status(200) }]) { receivers in
            try await withServer { api in
                try await api.expect(
                    200,
                    .post,
                    "/notification/channel",
                    Self.channel(
                        receivers[0].url,
                        filters: [
                            "$or": [["service.specification.slug": ["$eq": "mysql"]], ["arguments.service_specification.slug": ["$eq": "mysql"]]]
                        ]
                    )
                )
                try await api.expect(200, .post, "/notification/channel", Self.channel(receivers[1].url, filters: ["type": ["$in": ["custom"]]]))
                try await api.expect(400, .post, "/notification/channel", Self.channel(receivers[1].url, filters: ["type": ["$like": "x"]]))
                let service = try await api.activeMySQL()
                _ = try await api.runAction(on: service, spec: Fixtures.getCredentials)
                try await api.expect(
                    200,
                    .post,
                    "/service/363a5893-ed84-4eba-a4c1-a80098b9f74e/action",
                    ["specification_id": "284c262a-dcf4-4af8-9dca-7c310c57d42b"]
                )
                try await eventually("mysql actions reached the mysql channel") { await receivers[0].requests.count == 2 }
                try await eventually("the custom action reached the custom channel") { await receivers[1].requests.count == 1 }
                #expect(await receivers[1].requests[0].json["notification"]?["type"] == "custom")
                let counts = try await api.expect(200, .get, "/notification?status=unmatched")
                #expect(counts["paging"]?["total"] == 1)
            }
        }
    }

    @Test func linkActionsNotifyWithTheLinkAndItsService() async throws {
        try await withReceivers([{ _ in .status(200) }]) { receivers in
            try await withServer { api in
                try await api.expect(200, .post, "/notification/channel", Self.channel(receivers[0].url))
                let service = try await api.activeMySQL()
                let link = try await api.connectMySQL(to: service, nrn: "organization=1:account=2:namespace=3:application=4:scope=5")["id"]!
                let spec = try await api.expect(200, .get, "/link_specification/\(Fixtures.connectMySQL)/action_specification?type=create")[
                    "results"
                ]!.arrayValue![0]["id"]!
                try await api.expect(
                    200,
                    .post,
                    "/link/\(link.stringValue!)/action",
                    ["specification_id": spec, "parameters": ["permissions": "read"]]
                )
                try await eventually("the link notification arrived") { await receivers[0].requests.count == 2 }
                let notification = try #require(await receivers[0].requests[1].json["notification"])
                #expect(notification["link"]?["id"] == link)
                #expect(notification["service"]?["id"] == .string(service))
                #expect(notification["action"] == "service:action:create")
                #expect(notification["entity_nrn"] == "organization=1:account=2:namespace=3:application=4:scope=5")
                #expect(notification["tags"]?["scope"] == "my-scope")
            }
        }
    }

    @Test func metricsCountNotificationsDeliveriesAndAttempts() async throws {
        try await withReceivers([{ _ in .status(200) }]) { receivers in
            try await withServer { api in
                try await api.expect(200, .post, "/notification/channel", Self.channel(receivers[0].url))
                let service = try await api.createMySQL()
                _ = try await api.runAction(on: service, spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])
                try await eventually("delivered") { await receivers[0].requests.count == 1 }
                try await eventually("metrics show the delivery") {
                    let response = try await api.client.execute(uri: "/metrics", method: .get)
                    let text = String(buffer: response.body)
                    return text.contains(#"npsim_deliveries{status="delivered"} 1.0"#)
                        && text.contains(#"npsim_delivery_attempts_total{channel_type="http",outcome="delivered"} 1"#)
                        && text.contains("npsim_delivery_attempt_duration_seconds_bucket")
                        && text.contains("npsim_delivery_queue_depth 0.0")
                }
            }
        }
    }

    static func signed(_ policy: DeliveryPolicy) -> DeliveryPolicy {
        var policy = policy
        policy.webhookSecret = secret
        return policy
    }
}

@Suite struct RetentionTests {
    @Test func retentionKeepsAttemptsAndNotificationsBounded() async throws {
        let policy = {
            var policy = DeliveryPolicy.forTests
            policy.attemptRetention = 10
            policy.notificationRetention = 20
            return policy
        }()
        try await withReceivers([{ _ in .status(204) }]) { receivers in
            try await withServer(delivery: policy) { api in
                try await api.expect(200, .post, "/notification/channel", DeliveryTests.channel(receivers[0].url))
                let service = try await api.activeMySQL()
                for _ in 0..<130 { _ = try await api.runAction(on: service, spec: Fixtures.getCredentials) }
                try await eventually("all were delivered") { await receivers[0].requests.count >= 131 }
                let received = await receivers[0].requests.count
                #expect(received == 131)
                try await eventually("metrics show the bounded attempt table") {
                    let text = String(buffer: try await api.client.execute(uri: "/metrics", method: .get).body)
                    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("npsim_attempts_stored ") }),
                        let stored = Double(line.split(separator: " ")[1])
                    else { return false }
                    return stored <= Double(policy.attemptRetention + policy.pruneInterval)
                }
                let kept = try await api.expect(200, .get, "/notification")["paging"]?["total"]?.intValue ?? 0
                #expect(kept >= policy.notificationRetention && kept <= policy.notificationRetention + policy.pruneInterval)
                let deliveries = try await api.expect(200, .get, "/_npsim/deliveries")["paging"]?["total"]?.intValue
                #expect(deliveries == kept, "a pruned notification takes its deliveries with it")
            }
        }
    }
}

@Suite struct HostileTargetTests {
    @Test func hostileReceiversEndAsTheirPolicySaysWhileAHealthyOneKeepsFlowing() async throws {
        try await withReceivers([
            { _ in .hugeBody(50 << 20) },
            { _ in .slow(.milliseconds(400)) },
            { _ in .status(500) },
            { _ in .status(204) },
        ]) { receivers in
            let resetting = try await ResettingReceiver.start()
            try await withServer { api in
                var channels: [Int] = []
                for url in receivers.map(\.url) + [resetting.url] {
                    channels.append(try await api.expect(200, .post, "/notification/channel", DeliveryTests.channel(url))["id"]!.intValue!)
                }
                let service = try await api.activeMySQL()
                for _ in 0..<4 { _ = try await api.runAction(on: service, spec: Fixtures.getCredentials) }
                try await eventually("the healthy receiver got all five") { await receivers[3].requests.count == 5 }
                func count(_ channel: Int, _ status: String) async throws -> Int {
                    try await api.expect(200, .get, "/_npsim/deliveries?channel_id=\(channel)&status=\(status)")["paging"]?["total"]?.intValue ?? 0
                }
                try await eventually(within: .seconds(30), "every hostile delivery settled") {
                    let settled = [
                        try await count(channels[0], "delivered"), try await count(channels[1], "delivered"), try await count(channels[2], "dead"),
                        try await count(channels[4], "dead"),
                    ]
                    return settled == [5, 5, 5, 5]
                }
                // Each reset delivery was tried on the whole retry schedule, and says what happened.
                #expect(resetting.resets.withLockedValue { $0 } == 5 * (DeliveryPolicy.forTests.retrySchedule.count + 1))
                let reset = try await api.expect(200, .get, "/_npsim/deliveries?channel_id=\(channels[4])&limit=1")["results"]!.arrayValue![0]
                #expect(reset["last_error"]?.stringValue?.isEmpty == false, "\(reset)")
                let huge = try await api.expect(200, .get, "/_npsim/deliveries?channel_id=\(channels[0])&limit=1")["results"]!.arrayValue![0]
                let log = try await api.expect(200, .get, "/_npsim/deliveries/\(huge["id"]!.intValue!)")["attempt_log"]!.arrayValue!
                #expect(log[0]["response"]?["body"]?.stringValue?.utf8.count == 64 * 1024, "only the first 64 KiB of a response are kept")
                #expect(try await count(channels[3], "delivered") == 5)
            }
            try await resetting.stop()
        }
    }
}
