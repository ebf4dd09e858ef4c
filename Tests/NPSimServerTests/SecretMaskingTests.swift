import AsyncHTTPClient
import Foundation
import NIOCore
import NPSimCore
import Testing

/// Secrets a user hands npsim never come back out: not in lists, reads, attempt records or the dashboard (which
/// needs no token), yet a client that sends back what it read keeps them.
@Suite struct SecretMaskingTests {
    @Test func channelSecretsAreMaskedEverywhereAndKeptWhenEchoedBack() async throws {
        let (receiver, base) = try await HostileInputTests.hostileReceiver()
        defer { receiver.forceStop() }
        let directory = try scratchDirectory("npsim-secrets")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await NPSimProcess(arguments: ["--in-memory", "--seed", Fixtures.directory])
        let token = try await server.token()
        let hookURL = base.replacingOccurrences(of: "http://", with: "http://deployer:s3cret-pass@") + "/hook?token=tok-123&region=eu"
        let webhook = try await server.call(
            .POST,
            "/notification/channel",
            ["nrn": "organization=1", "type": "http", "configuration": ["url": .string(hookURL)]],
            token: token
        )
        #expect(webhook.status == 200)
        #expect(
            webhook.json["configuration"]?["url"]
                == .string(base.replacingOccurrences(of: "http://", with: "http://deployer:********@") + "/hook?token=********&region=eu")
        )
        let marker = directory.appendingPathComponent("password").path
        let agent = try await server.call(
            .POST,
            "/notification/channel",
            [
                "nrn": "organization=1", "type": "agent",
                "configuration": [
                    "command": [
                        "type": "exec",
                        "data": [
                            "cmdline": .string("printf %s \"$DB_PASSWORD\" > \(marker)"),
                            "environment": ["DB_PASSWORD": "hunter2-secret", "CONTEXT": "${NOTIFICATION_CONTEXT}", "REGION": "us-east-1"],
                            "public_environment": ["REGION"],
                        ],
                    ]
                ],
            ],
            token: token
        )
        #expect(agent.status == 200, "\(JSONWriter.string(agent.json))")
        let agentId = try #require(agent.json["id"]?.intValue)
        let environment = agent.json["configuration"]?["command"]?["data"]?["environment"]
        #expect(environment == ["DB_PASSWORD": .string(ChannelType.mask), "CONTEXT": "${NOTIFICATION_CONTEXT}", "REGION": "us-east-1"])
        // Sending back what was read keeps the stored secret.
        let read = try await server.call(.GET, "/notification/channel/\(agentId)", token: token).json
        let patched = try await server.call(
            .PATCH,
            "/notification/channel/\(agentId)",
            ["configuration": read["configuration"] ?? .null],
            token: token
        )
        #expect(patched.status == 200)

        let list = try await server.call(.GET, "/notification/channel", token: token)
        for secret in ["s3cret-pass", "tok-123", "hunter2-secret"] { #expect(!JSONWriter.string(list.json).contains(secret), "\(secret) leaked") }
        let page = try await Self.page(server, "/ui/channels")
        for secret in ["s3cret-pass", "tok-123", "hunter2-secret"] { #expect(!page.contains(secret), "\(secret) leaked on the dashboard") }

        // The deliveries use the real values, and their records show the masked ones.
        let service = try await server.createMySQLService(named: "secrets", active: true, token: token)
        let action = try await server.runAction(on: service, Fixtures.getCredentials, parameters: ["ttl_minutes": 30], token: token)
        #expect(action.status == 200)
        try await eventually(within: .seconds(15), "the agent command ran with the stored password") {
            (try? String(contentsOfFile: marker, encoding: .utf8)) == "hunter2-secret"
        }
        try await eventually(within: .seconds(15), "the webhook was delivered") {
            try await server.call(.GET, "/_npsim/deliveries?status=delivered", token: token).json["paging"]?["total"] == 2
        }
        let deliveries = try await server.call(.GET, "/_npsim/deliveries", token: token).json["results"]?.arrayValue ?? []
        for delivery in deliveries {
            let detail = try await server.call(.GET, "/_npsim/deliveries/\(delivery["id"]?.intValue ?? 0)", token: token).json
            let text = JSONWriter.string(detail)
            for secret in ["s3cret-pass", "tok-123", "hunter2-secret"] { #expect(!text.contains(secret), "\(secret) in an attempt record") }
        }
        #expect(try await server.stop() == 0)
    }

    @Test func headerNamesAndValuesThatWouldSplitARequestAreRefused() async throws {
        let server = try await NPSimProcess(arguments: ["--in-memory"])
        let token = try await server.token()
        for headers: JSONValue in [["X-Ok": "fine\r\nX-Evil: 1"], ["Bad Name": "x"], ["X-Nul": "a\u{0}b"], ["X:Colon": "x"]] {
            let reply = try await server.call(
                .POST,
                "/notification/channel",
                ["nrn": "organization=1", "type": "http", "configuration": ["url": "http://127.0.0.1:9/", "headers": headers]],
                token: token
            )
            #expect(reply.status == 400, "\(headers): \(JSONWriter.string(reply.json))")
            #expect(reply.json["message"]?.stringValue?.contains("configuration.headers") == true)
        }
        #expect(try await server.call(.GET, "/notification/channel", token: token).json["paging"]?["total"] == 0)
        #expect(try await server.stop() == 0)
    }

    @Test func secretResultsAreHiddenFromReadsAndTheDashboard() async throws {
        let server = try await NPSimProcess(arguments: ["--in-memory", "--seed", Fixtures.directory])
        let token = try await server.token()
        let service = try await server.createMySQLService(named: "credentials", active: true, token: token)
        let action = try #require(
            try await server.runAction(on: service, Fixtures.getCredentials, parameters: ["ttl_minutes": 30], token: token).json["id"]?.stringValue
        )
        let path = "/service/\(service)/action/\(action)"
        let reported = try await server.call(
            .PATCH,
            path,
            ["status": "success", "results": ["username": "tmp_user", "password": "pw-very-secret"]],
            token: token
        )
        #expect(reported.status == 200, "\(JSONWriter.string(reported.json))")
        let read = try await server.call(.GET, path, token: token).json
        #expect(read["results"]?["username"] == "tmp_user")
        #expect(read["results"]?["password"] == .null)
        let revealed = try await server.call(.GET, path + "?include_secret_attributes=true", token: token).json
        #expect(revealed["results"]?["password"] == "pw-very-secret")
        let listed = try await server.call(.GET, "/service/\(service)/action", token: token)
        #expect(!JSONWriter.string(listed.json).contains("pw-very-secret"))
        let page = try await Self.page(server, "/ui/services/\(service)")
        #expect(page.contains("tmp_user"))
        #expect(!page.contains("pw-very-secret"))
        #expect(try await server.stop() == 0)
    }

    /// A dashboard page's HTML.
    static func page(_ server: NPSimProcess, _ path: String) async throws -> String {
        let response = try await NPSimProcess.client.execute(HTTPClientRequest(url: server.url + path), timeout: .seconds(30))
        return String(buffer: try await response.body.collect(upTo: 16 << 20))
    }
}
