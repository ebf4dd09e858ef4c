import Foundation
import NPSimCore
import NPSimDelivery
import Testing

/// The dashboard as a person sees it: pages loaded in a real headless Chromium (Debian's `chromium`), with the
/// example agent runner doing real work behind them; and its forms, posted as a browser posts them.
@Suite(.serialized) struct DashboardTests {
    static var chromium: String? { executableOnPath("chromium", "chromium-browser", "google-chrome") }

    /// The DOM of `url` after its scripts ran for `budget` of virtual time, in a phone-sized window.
    static func dom(_ url: String, budget: Int = 5000, width: Int = 390) async throws -> String {
        guard let chromium else {
            throw TestFailure("chromium is not installed: apt-get install chromium (./scripts/setup installs it)")
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-dom-\(UUID().uuidString).html")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile.path)",
            "--window-size=\(width),900", "--virtual-time-budget=\(budget)", "--dump-dom", url,
        ]
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await exited(process, within: .seconds(120))
        return try String(contentsOf: output, encoding: .utf8)
    }

    /// A server whose agent channel runs the example runner.
    static func serverWithRunner(state: URL) async throws -> (NPSimProcess, String) {
        let server = try await NPSimProcess(arguments: ["--in-memory", "--seed", Fixtures.directory])
        let token = try await server.token()
        try await server.addMySQLChannel(
            type: "agent",
            configuration: NPSimProcess.agentCommand(
                RunnerTests.runners.appendingPathComponent("agent/entrypoint").path,
                environment: ["NP_ACTION_CONTEXT": "${NOTIFICATION_CONTEXT}", "STATE_DIR": .string(state.path)]
            ),
            token: token
        )
        return (server, token)
    }

    static func createService(_ server: NPSimProcess, token: String, name: String) async throws -> String {
        try #require(
            try await server.call(
                .POST,
                "/service",
                [
                    "name": .string(name), "specification_id": .string(Fixtures.mysqlSpec), "entity_nrn": .string(Fixtures.appNRN),
                    "dimensions": ["environment": "dev"],
                ],
                token: token
            ).json["id"]?.stringValue
        )
    }

    @Test func thePagesShowWhatHappenedOnAPhoneSizedScreen() async throws {
        let state = RunnerTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: state) }
        let (server, token) = try await Self.serverWithRunner(state: state)
        let service = try await Self.createService(server, token: token, name: "orders-db")
        _ = try await server.call(
            .POST,
            "/service/\(service)/action",
            ["specification_id": .string(Fixtures.createMySQL), "parameters": ["version": "8.4", "size": "small"]],
            token: token
        )
        try await eventually(within: .seconds(30), "the runner made the service active") {
            try await server.call(.GET, "/service/\(service)", token: token).json["status"] == "active"
        }

        let overview = try await Self.dom(server.url + "/")
        #expect(overview.contains("<title>Overview · npsim</title>"))
        #expect(overview.contains(#"<div class="number">1</div><div class="label">delivered deliveries</div>"#), "\(overview)")
        #expect(overview.contains("orders-db"))
        #expect(overview.contains(#"<span class="badge delivered">delivered</span>"#))
        #expect(
            overview.range(of: #"<time datetime="[^"]+" title="[^"]+">\d+s ago</time>"#, options: .regularExpression) != nil,
            "the script did not run"
        )
        #expect(overview.contains(#"class="live on""#), "the live refresh did not reach the server")
        #expect(overview.range(of: #"data-live-polls="[1-9]"#, options: .regularExpression) != nil)

        let page = try await Self.dom(server.url + "/ui/services/\(service)")
        #expect(page.contains(#"<span class="badge active">active</span>"#))
        #expect(page.contains("&quot;hostname&quot;: &quot;orders-db.mysql.local&quot;") || page.contains(#""hostname": "orders-db.mysql.local""#))
        #expect(page.contains("create: MySQL 8.4 size small"))
        #expect(page.contains("Run Create MySQL") && page.contains("Run Get Credentials"))
        #expect(page.contains("<option>8.0</option><option>8.4</option>"), "the enum of the schema should be a select")
        #expect(page.contains(#"<input type="number" name="storage_gb""#))

        let notification = try #require(
            try await server.call(.GET, "/notification", token: token).json["results"]?.arrayValue?.first?["id"]?.stringValue
        )
        let detail = try await Self.dom(server.url + "/ui/notifications/\(notification)")
        #expect(detail.contains("Delivery 1 to agent channel 1"))
        #expect(detail.contains("Attempt 1:"))
        #expect(detail.contains("&quot;exit_code&quot;: 0") || detail.contains(#""exit_code": 0"#), "\(detail)")
        #expect(detail.contains("Resend to every matching channel"))

        let channels = try await Self.dom(server.url + "/ui/channels")
        #expect(channels.contains("agent/entrypoint"))
        let missing = try await Self.dom(server.url + "/ui/services/no-such-service")
        #expect(missing.contains("service 'no-such-service' does not exist"))
        try await server.stop()
    }

    @Test func aPageLeftOpenFollowsTheActionToItsEnd() async throws {
        let state = RunnerTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: state) }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-dashboard-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let server = try await NPSimProcess(
            arguments: ["--in-memory", "--seed", Fixtures.directory, "--log-format", "json", "--log-level", "info"],
            standardError: try FileHandle(forWritingTo: log)
        )
        let token = try await server.token()
        let service = try await Self.createService(server, token: token, name: "live-db")
        let action = try #require(
            try await server.call(
                .POST,
                "/service/\(service)/action",
                ["specification_id": .string(Fixtures.createMySQL), "parameters": ["version": "8.4", "size": "small"]],
                token: token
            ).json["id"]?.stringValue
        )
        // The page is opened while the action is pending; once the server has answered it, the action ends,
        // and the page, left open, must show that without a reload.
        async let dom = Self.dom(server.url + "/ui/services/\(service)", budget: 600_000)
        try await eventually(within: .seconds(60), "chromium loaded the page") {
            (try? String(contentsOf: log, encoding: .utf8))?.contains("GET /ui/services/\(service) 200") == true
        }
        let patched = try await server.call(
            .PATCH,
            "/service/\(service)/action/\(action)",
            ["status": "success", "messages": [["level": "info", "message": "finished while you watched"]]],
            token: token
        )
        #expect(patched.status == 200)
        let page = try await dom
        #expect(page.contains("finished while you watched"), "the open page did not refresh")
        #expect(page.contains(#"<span class="badge success">success</span>"#))
        try await server.stop()
    }
}

/// The dashboard's forms, posted as a browser posts them (`application/x-www-form-urlencoded`, then a 303).
@Suite struct DashboardFormTests {
    static func post(_ api: APIClient, _ path: String, _ form: [(String, String)]) async throws -> (status: Int, location: String) {
        let reply = try await api.call(
            .post,
            path,
            rawBody: Array(FormEncoding.encode(form).utf8),
            headers: [.contentType: "application/x-www-form-urlencoded"],
            authenticated: false
        )
        return (reply.status, reply.headers[.location]?.removingPercentEncoding ?? "")
    }

    @Test func theActionFormRunsAnActionWithParametersTypedByItsSchema() async throws {
        try await withServer { api in
            let service = try await api.createMySQL()
            let ran = try await Self.post(
                api,
                "/ui/services/\(service)/actions",
                [
                    ("specification_id", Fixtures.createMySQL), ("version", "8.4"), ("size", "small"), ("storage_gb", "20"),
                    ("database_name", ""),
                ]
            )
            #expect(ran.status == 303)
            #expect(ran.location.hasPrefix("/ui/services/\(service)?notice=started "), "\(ran.location)")
            let actions = try #require(try await api.expect(200, .get, "/service/\(service)/action")["results"]?.arrayValue)
            #expect(actions.count == 1)
            #expect(actions.first?["parameters"] == ["version": "8.4", "size": "small", "storage_gb": 20])
            #expect(ran.location.hasSuffix("#action-\(actions.first?["id"]?.stringValue ?? "")"))

            let other = try await api.createMySQL(name: "other-db")
            let refused = try await Self.post(
                api,
                "/ui/services/\(other)/actions",
                [("specification_id", Fixtures.createMySQL), ("version", "9.9"), ("size", "small")]
            )
            #expect(refused.status == 303)
            #expect(refused.location.hasPrefix("/ui/services/\(other)?error=parameters.version"), "\(refused.location)")
            let unknown = try await Self.post(api, "/ui/services/nope/actions", [("specification_id", Fixtures.createMySQL)])
            #expect(unknown.location.contains("error="))
            let empty = try await Self.post(api, "/ui/services/\(service)/actions", [])
            #expect(empty.location.contains("the form has no specification_id"))

            // A page on another site cannot make the browser run actions here.
            let forged = try await api.call(
                .post,
                "/ui/services/\(service)/actions",
                rawBody: Array(FormEncoding.encode([("specification_id", Fixtures.getCredentials), ("ttl_minutes", "30")]).utf8),
                headers: [.contentType: "application/x-www-form-urlencoded", .origin: "http://evil.example"],
                authenticated: false
            )
            #expect(forged.status == 403)
            #expect(try await api.expect(200, .get, "/service/\(service)/action")["paging"]?["total"] == 1)
        }
    }

    @Test func resendAndRetryFromTheDashboard() async throws {
        var policy = DeliveryPolicy.forTests
        policy.retrySchedule = []
        try await withServer(delivery: policy) { api in
            try await api.expect(
                200,
                .post,
                "/notification/channel",
                ["nrn": "organization=1:account=2", "type": "http", "source": ["service"], "configuration": ["url": "http://127.0.0.1:9/closed"]]
            )
            let service = try await api.createMySQL()
            _ = try await api.runAction(on: service, spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])
            try await eventually("the delivery to a closed port is dead") {
                try await api.expect(200, .get, "/_npsim/deliveries")["results"]?.arrayValue?.first?["status"] == "dead"
            }
            let notification = try #require(try await api.expect(200, .get, "/notification")["results"]?.arrayValue?.first?["id"]?.stringValue)

            let retried = try await Self.post(api, "/ui/deliveries/1/retry", [])
            #expect(retried.status == 303)
            #expect(retried.location == "/ui/notifications/\(notification)?notice=delivery 1 queued again#delivery-1")
            try await eventually("the retried delivery was attempted again") {
                try await api.expect(200, .get, "/_npsim/deliveries/1")["attempts"] == 2
            }
            let resent = try await Self.post(api, "/ui/notifications/\(notification)/resend", [])
            #expect(resent.status == 303)
            let notifications = try #require(try await api.expect(200, .get, "/notification")["results"]?.arrayValue)
            #expect(notifications.count == 2)
            #expect(resent.location.hasPrefix("/ui/notifications/\(notifications.first?["id"]?.stringValue ?? "")?notice=resent"))
            let bogus = try await Self.post(api, "/ui/deliveries/abc/retry", [])
            #expect(bogus.status == 303 && bogus.location.contains("error="))
        }
    }
}
