import Foundation
import NPSimCore
import NPSimDelivery
import Testing

/// The faults that change when and how a notification arrives (dropped and resent, a window reordered, a tampered
/// or stale signature), and faults declared in fixtures, through the real binary and a real receiver.
extension FaultTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    /// npsim with the MySQL fixtures and an http channel signing with ``secret`` to `url`: the server, a token and
    /// the channel's id.
    static func serverWithChannel(to url: String, arguments: [String] = []) async throws -> (NPSimProcess, String, Int) {
        let server = try await NPSimProcess(
            arguments: [
                "--in-memory", "--seed", "\(Fixtures.directory)/00-hierarchy.yaml", "--seed", "\(Fixtures.directory)/10-mysql.yaml",
            ] + arguments
        )
        let token = try await server.token()
        let channel = try #require(
            try await server.call(
                .POST,
                "/notification/channel",
                ["nrn": "organization=1", "type": "http", "configuration": ["url": .string(url), "signing_secret": .string(secret)]],
                token: token
            ).json["id"]?.intValue
        )
        return (server, token, channel)
    }

    /// The `webhook-id` npsim sends for an action's (first) notification.
    static func webhookId(_ server: NPSimProcess, token: String, service: String) async throws -> String {
        let action = try #require(
            try await server.call(.GET, "/service/\(service)/action", token: token).json["results"]?.arrayValue?.first?["id"]?.stringValue
        )
        var notification: String?
        try await eventually(within: .seconds(10), "the action's notification is stored") {
            notification = try await server.call(.GET, "/notification?action_id=\(action)", token: token).json["results"]?.arrayValue?.first?["id"]?
                .stringValue
            return notification != nil
        }
        return "msg_\(notification ?? "")"
    }

    @Test func aDroppedDeliveryIsResentLaterAndAReorderedWindowArrivesNewestFirst() async throws {
        try await withReceivers([{ _ in .status(204) }]) { receivers in
            // The manual clock closes the reorder window when the test says, however slow the machine.
            let (server, token, channel) = try await Self.serverWithChannel(to: receivers[0].url, arguments: ["--clock", "manual"])
            let drop = try await server.call(
                .PUT,
                "/_npsim/faults/channels/\(channel)",
                ["drop_next": ["count": 1, "resend_after": 0.5]],
                token: token
            )
            #expect(drop.status == 200, "\(drop.json)")
            let dropped = try await HarnessTests.serviceWithAction(server, token: token, nrn: Fixtures.appNRN, name: "dropped")
            try await eventually(within: .seconds(10), "the dropped notification is resent") { await receivers[0].requests.count == 1 }
            let droppedId = try await Self.webhookId(server, token: token, service: dropped)
            let notification = String(droppedId.dropFirst(4))
            let attempts =
                try await server.call(.GET, "/notification/\(notification)/result", token: token).json["results"]?.arrayValue?.first?["attempt_log"]?
                .arrayValue ?? []
            #expect(attempts.map { $0["outcome"] } == ["retry", "delivered"])
            #expect(attempts.first?["request"]?["fault"]?.stringValue?.contains("injected: dropped, nothing was sent; resent at") == true)
            let format = ISO8601DateFormatter()
            format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let times = attempts.compactMap { $0["started_at"]?.stringValue.flatMap(format.date(from:)) }
            #expect(times.count == 2 && times[1].timeIntervalSince(times[0]) >= 0.45, "resent half a second later: \(times)")

            let reorder = try await server.call(
                .PUT,
                "/_npsim/faults/channels/\(channel)",
                ["reorder_next": ["count": 3, "window": 60]],
                token: token
            )
            #expect(reorder.status == 200, "\(reorder.json)")
            var services: [String] = []
            for name in ["first", "second", "third"] {
                services.append(try await HarnessTests.serviceWithAction(server, token: token, nrn: Fixtures.appNRN, name: name))
            }
            try await eventually(within: .seconds(15), "the window holds all three") {
                try await server.call(.GET, "/_npsim/faults", token: token).json["channels"]?[String(channel)]?["holding"] == 3
            }
            #expect(await receivers[0].requests.count == 1, "nothing of the window was sent yet")
            // All three fall due at once: each goes once the newer ones arrived.
            #expect(try await server.call(.POST, "/_npsim/clock/advance", ["seconds": 61], token: token).status == 200)
            try await eventually(within: .seconds(15), "the window is sent") { await receivers[0].requests.count == 4 }
            var accepted: [String] = []
            for service in services { accepted.append(try await Self.webhookId(server, token: token, service: service)) }
            let arrived = await receivers[0].requests.dropFirst().map { $0.headers["webhook-id"] ?? "" }
            #expect(arrived == accepted.reversed(), "newest first: accepted \(accepted), arrived \(arrived)")
            #expect(try await server.call(.GET, "/_npsim/faults", token: token).json["channels"] == [:], "the faults were used up")
            #expect(try await server.stop() == 0)
        }
    }

    @Test func aTamperedOrStaleSignatureIsSentAndOnlyHTTPChannelsTakeOne() async throws {
        try await withReceivers([{ _ in .status(204) }]) { receivers in
            let (server, token, channel) = try await Self.serverWithChannel(to: receivers[0].url)
            let signer = WebhookSigner(secret: Self.secret)
            func signatureHolds(_ request: WebhookReceiver.Received) -> Bool {
                guard let id = request.headers["webhook-id"], let timestamp = request.headers["webhook-timestamp"].flatMap({ Int($0) }) else {
                    return false
                }
                return request.headers["webhook-signature"] == signer.signature(id: id, timestamp: timestamp, body: request.body)
            }

            // Tampered and sent twice: both copies carry the bad signature, and the attempt names both faults.
            let tamper: JSONValue = ["tamper_signature_next": 1, "duplicate_next": 1]
            #expect(try await server.call(.PUT, "/_npsim/faults/channels/\(channel)", tamper, token: token).status == 200)
            let service = try await HarnessTests.serviceWithAction(server, token: token, nrn: Fixtures.appNRN, name: "tampered")
            try await eventually(within: .seconds(10), "the tampered delivery arrives twice") { await receivers[0].requests.count == 2 }
            for tampered in await receivers[0].requests {
                #expect(!signatureHolds(tampered), "the signature does not match what was sent")
                #expect(tampered.headers["webhook-signature"]?.hasPrefix("v1,") == true, "but it is well-formed")
            }
            let notification = String(try await Self.webhookId(server, token: token, service: service).dropFirst(4))
            let result = try await server.call(.GET, "/notification/\(notification)/result", token: token).json
            let fault = result["results"]?.arrayValue?.first?["attempt_log"]?.arrayValue?.first?["request"]?["fault"]?.stringValue ?? ""
            #expect(fault.contains("tampered webhook-signature") && fault.contains("sent twice"), "\(fault)")

            let stale: JSONValue = ["stale_signature_next": ["count": 1, "age": 600]]
            #expect(try await server.call(.PUT, "/_npsim/faults/channels/\(channel)", stale, token: token).status == 200)
            _ = try await HarnessTests.serviceWithAction(server, token: token, nrn: Fixtures.appNRN, name: "stale")
            try await eventually(within: .seconds(10), "the stale delivery arrives") { await receivers[0].requests.count == 3 }
            let old = try #require(await receivers[0].requests.last)
            #expect(signatureHolds(old), "a stale signature is a true one, of an old timestamp")
            let age = Date().timeIntervalSince1970 - Double(old.headers["webhook-timestamp"].flatMap { Int($0) } ?? 0)
            #expect(age >= 595 && age <= 620, "\(age) s old")

            _ = try await HarnessTests.serviceWithAction(server, token: token, nrn: Fixtures.appNRN, name: "honest")
            try await eventually(within: .seconds(10), "the next delivery arrives") { await receivers[0].requests.count == 4 }
            #expect(signatureHolds(try #require(await receivers[0].requests.last)), "the faults were used up")

            let agent = try #require(
                try await server.call(
                    .POST,
                    "/notification/channel",
                    [
                        "nrn": "organization=1", "type": "agent",
                        "configuration": ["command": ["type": "exec", "data": ["cmdline": "/bin/true"]], "selector": ["environment": "none"]],
                    ],
                    token: token
                ).json["id"]?.intValue
            )
            let refused = try await server.call(.PUT, "/_npsim/faults/channels/\(agent)", ["tamper_signature_next": 1], token: token)
            #expect(refused.status == 400 && refused.json["message"]?.stringValue?.contains("apply to http channels") == true, "\(refused.json)")
            #expect(try await server.stop() == 0)
        }
    }

    @Test func fixturesDeclareFaultsAndAResetKeepingThemArmsThemAgain() async throws {
        let fixture = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-faults-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: fixture) }
        try """
        channels:
          - nrn: organization=1
            type: http
            description: flaky receiver
            configuration: {url: "http://127.0.0.1:9/hook"}
            faults: {fail_next: {count: 2, as: 503}, duplicate_next: 1}
        api_faults:
          - {method: PATCH, path_prefix: /service/, answer: 429}
        """.write(to: fixture, atomically: true, encoding: .utf8)
        let server = try await NPSimProcess(arguments: [
            "--in-memory", "--seed", "\(Fixtures.directory)/00-hierarchy.yaml", "--seed", "\(Fixtures.directory)/10-mysql.yaml", "--seed",
            fixture.path,
        ])
        let token = try await server.token()
        let armed = try await server.call(.GET, "/_npsim/faults", token: token).json
        let channel = try #require(armed["channels"]?.objectValue?.keys.first)
        #expect(armed["channels"]?[channel]?["fail_next"] == ["count": 2, "as": 503] && armed["channels"]?[channel]?["duplicate_next"] == 1)
        #expect(armed["api"]?.arrayValue?.map { $0["remaining"] } == [1])

        // Used up (the API fault), cleared, then armed again by a reset that keeps the fixtures; the API fault is not
        // doubled by the fixture applied again.
        let service = try await HarnessTests.serviceWithAction(server, token: token, nrn: Fixtures.appNRN, name: "report")
        let action = try #require(
            try await server.call(.GET, "/service/\(service)/action", token: token).json["results"]?.arrayValue?.first?["id"]?.stringValue
        )
        #expect(try await server.call(.PATCH, "/service/\(service)/action/\(action)", ["status": "in_progress"], token: token).status == 429)
        let journal = try await ClientCommandTests.npsim(["action", "journal", action], server: server)
        #expect(
            journal.stdout.contains("PATCH /service/\(service)/action/\(action): injected: answered 429; nothing was changed"),
            "\(journal.stdout)"
        )
        #expect(try await server.call(.DELETE, "/_npsim/faults", token: token).status == 200)
        #expect(try await server.call(.POST, "/_npsim/reset", ["keep_fixtures": true], token: token).status == 200)
        #expect(try await server.call(.POST, "/_npsim/reset", ["keep_fixtures": true], token: token).status == 200)
        let rearmed = try await server.call(.GET, "/_npsim/faults", token: token).json
        #expect(rearmed["channels"]?[channel]?["fail_next"] == ["count": 2, "as": 503])
        #expect(rearmed["api"]?.arrayValue?.map { $0["remaining"] } == [1], "\(rearmed)")

        // A fixture's fault is checked as the route checks it: the server does not start with a nonsense one.
        try "channels:\n  - {nrn: organization=1, type: http, configuration: {url: \"http://127.0.0.1:9/\"}, faults: {delay: -1}}\n"
            .write(to: fixture, atomically: true, encoding: .utf8)
        let refused = try await ClientCommandTests.npsim(["apply", fixture.path], server: server)
        #expect(refused.status != 0 && (refused.stdout + refused.stderr).contains("delay must be a number of seconds"), "\(refused.stderr)")
        let channels = try await server.call(.GET, "/notification/channel?nrn=organization%3D1", token: token).json["results"]?.arrayValue ?? []
        #expect(channels.count == 1, "the channel of the refused fixture was not created: \(channels)")
        #expect(try await server.stop() == 0)
    }
}
