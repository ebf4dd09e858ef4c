import Foundation
import GRDB
import NPSimCore
import Testing

/// npsim as a CI job's test harness, through the real binary: readiness that waits for the init scripts, `npsim wait`
/// and `npsim healthcheck`, and resets that isolate one test from the next without a restart.
@Suite struct HarnessTests {
    /// An init directory with `scripts` (name, shell body), each made executable.
    static func initDirectory(_ scripts: [(String, String)]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-init-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, body) in scripts {
            let path = directory.appendingPathComponent(name).path
            try ("#!/bin/sh\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
        return directory
    }

    @Test func readinessWaitsForTheInitScriptsAndWaitReturnsOnceReady() async throws {
        let gate = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-gate-\(UUID().uuidString)")
        let directory = try Self.initDirectory([
            // Holds set-up back until the test opens the gate (the script polls; the test does not sleep).
            ("10-setup", "while [ ! -e '\(gate.path)' ]; do sleep 0.05; done\necho set up\n"),
            ("20-more", "exit 0\n"),
        ])
        defer {
            try? FileManager.default.removeItem(at: directory)
            try? FileManager.default.removeItem(at: gate)
        }
        let server = try await NPSimProcess(arguments: ["--in-memory", "--init-dir", directory.path])
        let notReady = try await server.call(.GET, "/_npsim/ready")
        #expect(notReady.status == 503 && notReady.json["ready"] == false && notReady.json["code"] == "not_ready")
        #expect(notReady.json["failed"] == [])
        let probe = try await ClientCommandTests.npsim(["healthcheck"], server: server)
        #expect(probe.status == 1 && probe.stderr.contains("not ready"), "\(probe.stderr)")

        async let waited = ClientCommandTests.npsim(["wait", "--timeout", "30"], server: server)
        try await eventually(within: .seconds(30), "the first init script runs") {
            try await server.call(.GET, "/_npsim/ready").json["pending"]?.arrayValue?.contains("20-more") == true
        }
        #expect(try await server.call(.GET, "/_npsim/ready").json["message"]?.stringValue?.contains("10-setup") == true)
        _ = FileManager.default.createFile(atPath: gate.path, contents: nil)
        let outcome = try await waited
        #expect(outcome.status == 0 && outcome.stdout.contains("is ready"), "\(outcome.stderr)")
        let ready = try await server.call(.GET, "/_npsim/ready")
        #expect(ready.status == 200 && ready.json["ready"] == true)
        #expect(try await ClientCommandTests.npsim(["healthcheck"], server: server).status == 0)
        #expect(try await server.stop() == 0)
    }

    @Test func waitStopsAtOnceNamingAFailedInitScript() async throws {
        let directory = try Self.initDirectory([("10-register", "echo cannot register >&2\nexit 3\n"), ("20-after", "exit 0\n")])
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await NPSimProcess(arguments: ["--in-memory", "--init-dir", directory.path])
        let started = ContinuousClock.now
        let outcome = try await ClientCommandTests.npsim(["wait", "--timeout", "60"], server: server)
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("will not become ready") && outcome.stderr.contains("10-register") && outcome.stderr.contains("exit code 3"))
        #expect(ContinuousClock.now - started < .seconds(30), "a failed init script ends the wait; it does not run out its timeout")
        let reply = try await server.call(.GET, "/_npsim/ready")
        #expect(reply.status == 503 && reply.json["failed"] == ["10-register"])
        #expect(try await server.stop() == 0)
    }

    @Test func waitGivesUpAfterItsTimeoutAndRefusesANonsenseOne() async throws {
        let closed = "http://127.0.0.1:9"
        let outcome = try await ClientCommandTests.npsim(["wait", "--url", closed, "--timeout", "0.3"], server: nil)
        #expect(outcome.status == 1 && outcome.stderr.contains("was not ready after 0.3 s"), "\(outcome.stderr)")
        for nonsense in ["nan", "inf", "-1", "1e300"] {
            let refused = try await ClientCommandTests.npsim(["wait", "--url", closed, "--timeout", nonsense], server: nil)
            #expect(refused.status != 0 && refused.stderr.contains("--timeout"), "\(nonsense): \(refused.stderr)")
        }
        let unhealthy = try await ClientCommandTests.npsim(["healthcheck", "--url", closed], server: nil)
        #expect(unhealthy.status == 1 && unhealthy.stderr.contains("is not ready"))
    }

    /// A service with a Create action at `nrn`; returns its id once the action's notification exists.
    static func serviceWithAction(_ server: NPSimProcess, token: String, nrn: String, name: String) async throws -> String {
        let service = try #require(
            try await server.call(
                .POST,
                "/service",
                [
                    "name": .string(name), "specification_id": .string(Fixtures.mysqlSpec), "entity_nrn": .string(nrn),
                    "dimensions": ["environment": "dev"],
                ],
                token: token
            ).json["id"]?.stringValue
        )
        let action = try await server.call(
            .POST,
            "/service/\(service)/action",
            ["specification_id": .string(Fixtures.createMySQL), "parameters": ["version": "8.0", "size": "small"]],
            token: token
        )
        #expect(action.status == 200, "\(action.json)")
        return service
    }

    @Test func aResetScopedToANamespaceLeavesTheOthersAndAFullOneKeepsKeysAndFixtures() async throws {
        let fixture = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-fixture-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: fixture) }
        try """
        services:
          - id: 5e1f0000-0000-4000-8000-000000000001
            name: seeded-db
            specification_id: \(Fixtures.mysqlSpec)
            entity_nrn: "\(Fixtures.appNRN)"
            dimensions: { environment: dev }
        """.write(to: fixture, atomically: true, encoding: .utf8)
        let server = try await NPSimProcess(arguments: [
            "--in-memory", "--seed", "\(Fixtures.directory)/00-hierarchy.yaml", "--seed", "\(Fixtures.directory)/10-mysql.yaml",
            "--seed", fixture.path,
        ])
        let token = try await server.token()
        _ = try await server.call(
            .POST,
            "/notification/channel",
            ["nrn": "organization=1", "type": "http", "configuration": ["url": "http://127.0.0.1:9/hook"]],
            token: token
        )
        let other = "organization=1:account=2:namespace=5:application=6"
        let mine = try await Self.serviceWithAction(server, token: token, nrn: Fixtures.appNRN, name: "mine")
        let theirs = try await Self.serviceWithAction(server, token: token, nrn: other, name: "theirs")

        // Only the namespace of application 4 is reset.
        let scoped = try await server.call(.POST, "/_npsim/reset", ["nrn": "organization=1:account=2:namespace=3"], token: token)
        #expect(scoped.status == 200, "\(scoped.json)")
        #expect(scoped.json["removed"]?["services"] == 2 && scoped.json["removed"]?["actions"] == 1)
        #expect(scoped.json["removed"]?["notifications"] == 1 && scoped.json["removed"]?["deliveries"] == 1)
        #expect(try await server.call(.GET, "/service/\(mine)", token: token).status == 404)
        #expect(try await server.call(.GET, "/service/\(theirs)", token: token).status == 200, "another namespace is left alone")
        let left = try await server.call(.GET, "/notification?limit=50", token: token).json
        #expect(left["paging"]?["total"] == 1 && left["results"]?.arrayValue?.first?["nrn"]?.stringValue?.hasPrefix(other) == true)

        // A full reset with the fixtures applied again: the seeded service is back, the key and the channel stay.
        let full = try await server.call(.POST, "/_npsim/reset", ["keep_fixtures": true], token: token)
        #expect(full.status == 200 && full.json["removed"]?["services"] == 1 && full.json["reseeded"]?["services"] == 1, "\(full.json)")
        #expect(try await server.call(.GET, "/service/\(theirs)", token: token).status == 404)
        #expect(try await server.call(.GET, "/service/5e1f0000-0000-4000-8000-000000000001", token: token).status == 200)
        #expect(try await server.call(.GET, "/notification?limit=50", token: token).json["paging"]?["total"] == 0)
        #expect(try await server.call(.GET, "/notification/channel", token: token).json["paging"]?["total"] == 1)
        #expect(try await server.call(.GET, "/service_specification/\(Fixtures.mysqlSpec)", token: token).status == 200)

        // The command line, and bodies it refuses.
        let command = try await ClientCommandTests.npsim(["reset", "--nrn", other], server: server)
        #expect(command.status == 0 && command.stdout.contains("removed under \(other): "), "\(command.stderr)")
        #expect(try await server.call(.POST, "/_npsim/reset", ["nrn": 5], token: token).status == 400)
        #expect(try await server.call(.POST, "/_npsim/reset", ["nrn": "not an nrn"], token: token).status == 400)
        #expect(try await server.call(.POST, "/_npsim/reset", ["keep_fixtures": "yes"], token: token).status == 400)
        #expect(try await server.call(.POST, "/_npsim/reset", [:]).status == 401, "a reset needs a token")
        #expect(try await server.stop() == 0)
    }
}

/// Expectations are checked by the server: a test states what must become true and gets, when it does not, what
/// did happen.
@Suite struct ExpectationTests {
    @Test func expectationsWaitForTheRunnersReportAndSayWhatHappenedWhenItDoesNotCome() async throws {
        try await withReceivers([{ _ in .status(204) }]) { receivers in
            let server = try await NPSimProcess(arguments: [
                "--in-memory", "--seed", "\(Fixtures.directory)/00-hierarchy.yaml", "--seed", "\(Fixtures.directory)/10-mysql.yaml",
            ])
            let token = try await server.token()
            let channel = try #require(
                try await server.call(
                    .POST,
                    "/notification/channel",
                    ["nrn": "organization=1", "type": "http", "configuration": ["url": .string("http://127.0.0.1:\(receivers[0].port)/hook")]],
                    token: token
                ).json["id"]?.intValue
            )
            let service = try await HarnessTests.serviceWithAction(server, token: token, nrn: Fixtures.appNRN, name: "orders")
            let action = try #require(
                try await server.call(.GET, "/service/\(service)/action", token: token).json["results"]?.arrayValue?.first?["id"]?.stringValue
            )

            // The runner reports a moment after the expectation started waiting for it.
            async let met = server.call(
                .POST,
                "/_npsim/expect",
                ["action": .string(action), "status": "success", "results": ["hostname": "db.local"], "messages": ["provisioned"], "timeout": 20],
                token: token
            )
            let patched = try await server.call(
                .PATCH,
                "/service/\(service)/action/\(action)",
                [
                    "status": "success", "results": ["hostname": "db.local", "port": 3306],
                    "messages": [["level": "info", "message": "database provisioned"]],
                ],
                token: token
            )
            #expect(patched.status == 200, "\(patched.json)")
            let answer = try await met
            #expect(answer.status == 200 && answer.json["met"] == true, "\(answer.json)")

            let expectations: [(JSONValue, Int)] = [
                (["service": .string(service), "status": "active", "attributes": ["hostname": "db.local"]], 200),
                (["deliveries": ["action": .string(action), "channel": .int(channel), "status": "delivered"], "count": 1, "timeout": 20], 200),
                (["nothing_else": ["nrn": .string(Fixtures.appNRN), "actions": [.string(action)]], "during": 0.3], 200),
                // What did not happen, answered with what did.
                (["deliveries": ["action": .string(action)], "count": 2, "timeout": 0.2], 417),
                (["nothing_else": ["nrn": .string(Fixtures.appNRN), "actions": []], "during": 0.2], 417),
                (["action": .string(action), "status": "failed", "timeout": 0.2], 417),
            ]
            for (body, status) in expectations {
                let reply = try await server.call(.POST, "/_npsim/expect", body, token: token)
                #expect(reply.status == status, "\(JSONWriter.string(body)) -> \(JSONWriter.string(reply.json))")
            }
            let failed = try await server.call(
                .POST,
                "/_npsim/expect",
                ["action": .string(action), "status": "failed", "timeout": 0.1],
                token: token
            )
            #expect(failed.json["code"] == "expectation_failed" && failed.json["observed"]?["status"] == "success")
            let others = try await server.call(.POST, "/_npsim/expect", ["nothing_else": [:], "during": 0.1], token: token)
            #expect(others.json["observed"]?["other_actions"]?.arrayValue?.first?["id"]?.stringValue == action)

            // The command line exits 0 or 1 and shows what was observed.
            let cli = try await ClientCommandTests.npsim(
                ["expect", "action", action, "--status", "success", "--results", #"{"port": 3306}"#],
                server: server
            )
            #expect(cli.status == 0 && cli.stdout.contains("met after"), "\(cli.stderr)")
            let entity = try await ClientCommandTests.npsim(
                ["expect", "service", service, "--status", "active", "--attributes", #"{"hostname": "db.local"}"#],
                server: server
            )
            #expect(entity.status == 0, "\(entity.stderr)")
            let unmet = try await ClientCommandTests.npsim(
                ["expect", "deliveries", "--action", action, "--count", "3", "--timeout", "0.2"],
                server: server
            )
            #expect(unmet.status == 1 && unmet.stderr.contains("exactly 3 deliveries") && unmet.stderr.contains("\"count\": 1"), "\(unmet.stderr)")

            // The journal: the whole chain, in order, in the API, the command line and the dashboard.
            let journal = try await server.call(.GET, "/_npsim/actions/\(action)/journal", token: token)
            let events = journal.json["events"]?.arrayValue ?? []
            #expect(journal.status == 200 && events.count == 4, "\(journal.json)")
            #expect(events.prefix(2).map { $0["event"] } == ["created", "notified"])
            #expect(Set(events.dropFirst(2).compactMap { $0["event"]?.stringValue }) == ["attempt", "reported"])
            let times = events.compactMap { $0["at"]?.stringValue }
            #expect(times == times.sorted() && times.count == 4)
            let report = try #require(events.first { $0["event"] == "reported" })
            #expect(report["detail"]?["status"] == ["from": "pending", "to": "success"])
            #expect(report["detail"]?["service"]?["status"]?["to"] == "active")
            let attempt = try #require(events.first { $0["event"] == "attempt" })
            #expect(attempt["detail"]?["outcome"] == "delivered" && attempt["detail"]?["channel_id"] == .int(channel))
            #expect(try await server.call(.GET, "/_npsim/actions/nope/journal", token: token).status == 404)
            let journalCLI = try await ClientCommandTests.npsim(["action", "journal", action], server: server)
            #expect(journalCLI.status == 0 && journalCLI.stdout.contains("runner reported status pending → success"), "\(journalCLI.stdout)")
            let html = try await SecretMaskingTests.page(server, "/ui/actions/\(action)")
            #expect(html.contains("runner reported") && html.contains("delivered") && html.contains("created by"), "\(html.suffix(1500))")
            #expect(try await SecretMaskingTests.page(server, "/ui/services/\(service)").contains("/ui/actions/\(action)"))

            // Nonsense is refused before anything waits.
            for body: JSONValue in [
                ["action": .string(action), "timeout": 1e308], ["action": .string(action), "timeout": -1], ["service": "a", "action": "b"], [:],
                ["deliveries": ["action": .string(action)]], ["action": 5], ["nothing_else": ["nrn": "nonsense"]],
            ] {
                let refused = try await server.call(.POST, "/_npsim/expect", body, token: token)
                #expect(refused.status == 400, "\(JSONWriter.string(body)) -> \(JSONWriter.string(refused.json))")
            }
            #expect(try await server.stop() == 0)
        }
    }
}

/// Faults a test injects, through the real binary: into a channel's deliveries, and into npsim's own API.
@Suite struct FaultTests {
    @Test func aChannelsFaultsFailTheNextAttemptAndDuplicateTheNextDeliveryAndSaySo() async throws {
        try await withReceivers([{ _ in .status(204) }]) { receivers in
            let server = try await NPSimProcess(arguments: [
                "--in-memory", "--retry-schedule", "100ms,100ms", "--seed", "\(Fixtures.directory)/00-hierarchy.yaml",
                "--seed", "\(Fixtures.directory)/10-mysql.yaml",
            ])
            let token = try await server.token()
            let channel = try #require(
                try await server.call(
                    .POST,
                    "/notification/channel",
                    [
                        "nrn": "organization=1", "type": "http",
                        "configuration": ["url": .string(receivers[0].url), "signing_secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
                    ],
                    token: token
                ).json["id"]?.intValue
            )
            let faults = try await server.call(
                .PUT,
                "/_npsim/faults/channels/\(channel)",
                ["fail_next": ["count": 1, "as": 503], "duplicate_next": 1],
                token: token
            )
            #expect(faults.status == 200 && faults.json["channels"]?[String(channel)]?["duplicate_next"] == 1, "\(faults.json)")

            let service = try await HarnessTests.serviceWithAction(server, token: token, nrn: Fixtures.appNRN, name: "faulty")
            let action = try #require(
                try await server.call(.GET, "/service/\(service)/action", token: token).json["results"]?.arrayValue?.first?["id"]?.stringValue
            )
            try await eventually(within: .seconds(30), "the retried delivery arrives twice") { await receivers[0].requests.count >= 2 }
            let received = await receivers[0].requests
            #expect(received.count == 2, "the first attempt was failed by the fault and never sent")
            #expect(received[0].headers["webhook-id"] != nil && received[0].headers["webhook-id"] == received[1].headers["webhook-id"])
            #expect(received[0].body == received[1].body)

            let notification = try #require(
                try await server.call(.GET, "/notification?action_id=\(action)", token: token).json["results"]?.arrayValue?.first?["id"]?.stringValue
            )
            let result = try await server.call(.GET, "/notification/\(notification)/result", token: token).json
            let attempts = result["results"]?.arrayValue?.first?["attempt_log"]?.arrayValue ?? []
            #expect(attempts.count == 2)
            #expect(attempts.first?["outcome"] == "retry" && attempts.first?["response"]?["status"] == 503)
            #expect(attempts.first?["request"]?["fault"]?.stringValue?.contains("answered 503; nothing was sent") == true)
            #expect(attempts.last?["outcome"] == "delivered" && attempts.last?["request"]?["fault"]?.stringValue?.contains("sent twice") == true)
            let journal = try await ClientCommandTests.npsim(["action", "journal", action], server: server)
            #expect(journal.stdout.contains("[injected: answered 503"), "\(journal.stdout)")
            #expect(try await server.call(.GET, "/_npsim/faults", token: token).json["channels"] == [:], "the faults were used up")
            let page = try await SecretMaskingTests.page(server, "/ui/notifications/\(notification)")
            #expect(page.contains(#"<span class="badge fault">fault</span>"#) && page.contains("answered 503; nothing was sent"))

            // Refused: an unknown channel, unknown faults, nonsense values.
            #expect(try await server.call(.PUT, "/_npsim/faults/channels/999", ["delay": 1], token: token).status == 404)
            for body: JSONValue in [
                ["explode": true], ["fail_next": ["count": 0, "as": 503]], ["fail_next": ["count": 1, "as": 200]],
                ["delay": -1], ["delay": 1e300], ["duplicate_next": "twice"],
            ] {
                let refused = try await server.call(.PUT, "/_npsim/faults/channels/\(channel)", body, token: token)
                #expect(refused.status == 400, "\(JSONWriter.string(body)) -> \(refused.json)")
            }
            #expect(try await server.stop() == 0)
        }
    }

    @Test func theRunnersNextReportCanBeRefusedOrLeftUnanswered() async throws {
        let server = try await NPSimProcess(arguments: [
            "--in-memory", "--seed", "\(Fixtures.directory)/00-hierarchy.yaml", "--seed", "\(Fixtures.directory)/10-mysql.yaml",
        ])
        let token = try await server.token()
        let service = try await HarnessTests.serviceWithAction(server, token: token, nrn: Fixtures.appNRN, name: "reported")
        let action = try #require(
            try await server.call(.GET, "/service/\(service)/action", token: token).json["results"]?.arrayValue?.first?["id"]?.stringValue
        )
        let rule = try await server.call(.POST, "/_npsim/faults/api", ["method": "PATCH", "path_prefix": "/service/", "answer": 429], token: token)
        #expect(rule.status == 200, "\(rule.json)")
        let path = "/service/\(service)/action/\(action)"
        let refused = try await server.call(.PATCH, path, ["status": "in_progress"], token: token)
        #expect(refused.status == 429 && refused.json["code"] == "injected_fault")
        #expect(try await server.call(.GET, path, token: token).json["status"] == "pending", "the refused report changed nothing")
        #expect(try await server.call(.PATCH, path, ["status": "in_progress"], token: token).status == 200, "only the next one was refused")

        _ = try await server.call(.POST, "/_npsim/faults/api", ["path_prefix": "/service/", "answer": "timeout", "seconds": 0.2], token: token)
        let started = ContinuousClock.now
        let held = try await server.call(.GET, path, token: token)
        #expect(held.status == 504 && ContinuousClock.now - started >= .milliseconds(200))
        let listed = try await server.call(.GET, "/_npsim/faults", token: token).json["api"]?.arrayValue ?? []
        #expect(listed.map { $0["fired"] } == [1, 1] && listed.map { $0["remaining"] } == [0, 0])
        #expect(try await server.call(.DELETE, "/_npsim/faults", token: token).json["api"] == [])

        for body: JSONValue in [["path_prefix": "/_npsim/reset", "answer": 500], ["path_prefix": "/service/", "answer": 200], ["answer": 500]] {
            #expect(try await server.call(.POST, "/_npsim/faults/api", body, token: token).status == 400, "\(JSONWriter.string(body))")
        }
        #expect(try await server.stop() == 0)
    }
}

/// `--clock manual`: a test moves npsim's clock ahead instead of waiting for a retry.
@Suite struct ClockTests {
    @Test func aRetryTenMinutesAwayFiresAsSoonAsTheClockIsMovedPastIt() async throws {
        try await withReceivers([{ number in number == 1 ? .status(503) : .status(204) }]) { receivers in
            let server = try await NPSimProcess(arguments: [
                "--in-memory", "--clock", "manual", "--retry-schedule", "10m,1h", "--seed", "\(Fixtures.directory)/00-hierarchy.yaml",
                "--seed", "\(Fixtures.directory)/10-mysql.yaml",
            ])
            let token = try await server.token()
            _ = try await server.call(
                .POST,
                "/notification/channel",
                ["nrn": "organization=1", "type": "http", "configuration": ["url": .string(receivers[0].url)]],
                token: token
            )
            let service = try await HarnessTests.serviceWithAction(server, token: token, nrn: Fixtures.appNRN, name: "patient")
            let action = try #require(
                try await server.call(.GET, "/service/\(service)/action", token: token).json["results"]?.arrayValue?.first?["id"]?.stringValue
            )
            let retrying: JSONValue = ["deliveries": ["action": .string(action), "status": "pending"], "count": 1, "timeout": 20]
            #expect(try await server.call(.POST, "/_npsim/expect", retrying, token: token).status == 200, "the first attempt got a 503")
            let stillWaiting: JSONValue = ["deliveries": ["action": .string(action), "status": "pending"], "count": 1, "during": 0.5]
            #expect(try await server.call(.POST, "/_npsim/expect", stillWaiting, token: token).status == 200, "the retry is ten minutes away")

            // Past the retry, jitter included (ten minutes, give or take a fifth).
            let moved = try await ClientCommandTests.npsim(["clock", "advance", "900"], server: server)
            #expect(moved.status == 0 && moved.stdout.contains("manual clock at") && moved.stdout.contains("900"), "\(moved.stderr)")
            let delivered: JSONValue = ["deliveries": ["action": .string(action), "status": "delivered"], "count": 1, "timeout": 10]
            let answer = try await server.call(.POST, "/_npsim/expect", delivered, token: token)
            #expect(answer.status == 200, "\(answer.json)")
            #expect(await receivers[0].requests.count == 2)
            #expect(try await server.call(.GET, "/_npsim/clock", token: token).json["advanced_seconds"]?.doubleValue == 900)
            for seconds: JSONValue in [-1, 1e300, "soon"] {
                #expect(try await server.call(.POST, "/_npsim/clock/advance", ["seconds": seconds], token: token).status == 400)
            }
            #expect(try await server.stop() == 0)
        }
        // On the system clock, time cannot be moved.
        let server = try await NPSimProcess(arguments: ["--in-memory"])
        let refused = try await server.call(.POST, "/_npsim/clock/advance", ["seconds": 60], token: try await server.token())
        #expect(refused.status == 409 && refused.json["message"]?.stringValue?.contains("--clock manual") == true)
        #expect(try await server.stop() == 0)
    }
}

/// `npsim test`: declarative scenarios, each isolated, with JUnit and TAP reports.
@Suite struct ScenarioTests {
    @Test func scenariosRunIsolatedWithFaultsAndAClockAndReportAsJUnitAndTAP() async throws {
        try await withReceivers([{ _ in .status(204) }]) { receivers in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-scenarios-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("mysql.yaml")
            try """
            scenarios:
              - name: a duplicate notification and a refused report
                steps:
                  - channel: {nrn: "organization=1", type: http, configuration: {url: "\(receivers[0].url)"}}
                    as: hook
                  - fault: {channel: $hook, duplicate_next: 1}
                  - service: {name: orders, specification: mysql, nrn: "\(Fixtures.appNRN)", dimensions: {environment: dev}}
                    as: db
                  - action: {on: $db, action: create-mysql, parameters: {version: "8.0", size: small}}
                    as: create
                  - expect: {deliveries: {action: $create, status: delivered}, count: 1, timeout: 20}
                  - api_fault: {method: PATCH, path_prefix: /service/, answer: 429}
                  - report: {action: $create, status: in_progress, expect_status: 429}
                  - advance: 60
                  - report: {action: $create, status: success, results: {hostname: db.local}}
                  - expect: {action: $create, status: success, results: {hostname: db.local}}
                  - expect: {service: $db, status: active}
                  - expect: {nothing_else: {nrn: "\(Fixtures.appNRN)", actions: [$create]}, during: 0.2}
              - name: starts from nothing and expects what does not happen
                steps:
                  - expect: {nothing_else: {}, during: 0.1}
                  - expect: {service: does-not-exist, status: active, timeout: 0.2}
            """.write(to: file, atomically: true, encoding: .utf8)
            let server = try await NPSimProcess(arguments: [
                "--in-memory", "--clock", "manual", "--seed", "\(Fixtures.directory)/00-hierarchy.yaml", "--seed",
                "\(Fixtures.directory)/10-mysql.yaml",
            ])
            let junit = directory.appendingPathComponent("junit.xml").path
            let tap = directory.appendingPathComponent("results.tap").path
            let outcome = try await ClientCommandTests.npsim(["test", file.path, "--junit", junit, "--tap", tap], server: server)
            #expect(outcome.status == 1, "one scenario fails: \(outcome.stdout)\(outcome.stderr)")
            #expect(outcome.stdout.contains("✓ 7 report: answered 429") && outcome.stdout.contains("1 of 2 scenarios passed"), "\(outcome.stdout)")
            #expect(await receivers[0].requests.count == 2, "the create notification was sent twice")

            let xml = try String(contentsOfFile: junit, encoding: .utf8)
            #expect(xml.contains(#"<testsuites name="npsim" tests="2" failures="1""#), "\(xml)")
            #expect(xml.contains(#"name="a duplicate notification and a refused report""#))
            #expect(xml.contains(#"<failure message="step 2 (expect): expected service does-not-exist is active"#), "\(xml)")
            let results = try String(contentsOfFile: tap, encoding: .utf8)
            #expect(results.hasPrefix("TAP version 13\n1..2\nok 1 - ") && results.contains("not ok 2 - "), "\(results)")

            // A file npsim cannot read as scenarios is refused before anything runs.
            let broken = directory.appendingPathComponent("broken.yaml")
            try "name: no steps\n".write(to: broken, atomically: true, encoding: .utf8)
            let refused = try await ClientCommandTests.npsim(["test", broken.path], server: server)
            #expect(refused.status == 1 && refused.stderr.contains("needs a name and a non-empty list of steps"), "\(refused.stderr)")
            #expect(try await server.stop() == 0)
        }
    }
}

/// `npsim snapshot save|load`: a copy of what npsim holds, put back later; keys and settings stay.
@Suite struct SnapshotTests {
    @Test func aSnapshotBringsBackWhatAResetRemovedAndOneFromANewerNpsimIsRefused() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-snapshot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await NPSimProcess(arguments: [
            "--db", directory.appendingPathComponent("npsim.sqlite").path, "--seed", "\(Fixtures.directory)/00-hierarchy.yaml",
            "--seed", "\(Fixtures.directory)/10-mysql.yaml",
        ])
        let token = try await server.token()
        let service = try await HarnessTests.serviceWithAction(server, token: token, nrn: Fixtures.appNRN, name: "kept")
        let file = directory.appendingPathComponent("state.sqlite").path
        let saved = try await ClientCommandTests.npsim(["snapshot", "save", file], server: server)
        #expect(saved.status == 0 && saved.stdout.contains("saved"), "\(saved.stderr)")

        _ = try await server.call(.POST, "/_npsim/reset", [:], token: token)
        #expect(try await server.call(.GET, "/service/\(service)", token: token).status == 404)
        let loaded = try await ClientCommandTests.npsim(["snapshot", "load", file], server: server)
        #expect(loaded.status == 0 && loaded.stdout.contains("1 notification"), "\(loaded.stdout)\(loaded.stderr)")
        #expect(try await server.call(.GET, "/service/\(service)", token: token).json["name"] == "kept", "the token from before still works")
        #expect(try await server.call(.GET, "/notification", token: token).json["paging"]?["total"] == 1)

        // A snapshot with a migration this npsim does not know, and bytes that are no database.
        let future = try DatabaseQueue(path: file)
        try await future.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99: from the future')") }
        try await future.close()
        let refused = try await ClientCommandTests.npsim(["snapshot", "load", file], server: server)
        #expect(refused.status == 1 && refused.stderr.contains("newer npsim"), "\(refused.stderr)")
        let garbage = directory.appendingPathComponent("garbage.sqlite").path
        try "not a database".write(toFile: garbage, atomically: true, encoding: .utf8)
        let nonsense = try await ClientCommandTests.npsim(["snapshot", "load", garbage], server: server)
        #expect(nonsense.status == 1 && nonsense.stderr.contains("(400)"), "\(nonsense.stderr)")
        #expect(try await server.call(.GET, "/service/\(service)", token: token).status == 200, "a refused load changed nothing")
        #expect(try await server.stop() == 0)
    }
}

/// The example scenarios of `fixtures/scenarios/`, run by `npsim test` against the example runners.
