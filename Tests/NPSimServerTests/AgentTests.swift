import Foundation
import NPSimCore
import NPSimDelivery
import Testing

@Suite struct AgentTests {
    /// An agent channel as Terraform registers it: `environment` and `arguments` as JSON strings.
    static func channel(cmdline: String, selector: JSONValue = ["environment": "dev"], apiKey: String? = nil) -> JSONValue {
        var configuration: JSONObject = [
            "command": [
                "type": "exec",
                "data": [
                    "cmdline": .string(cmdline), "arguments": #"["--from", "npsim"]"#,
                    "environment": #"{"NP_ACTION_CONTEXT":"'${NOTIFICATION_CONTEXT}'"}"#,
                ],
            ],
            "selector": selector,
        ]
        if let apiKey { configuration["api_key"] = .string(apiKey) }
        return [
            "nrn": "organization=1:account=2", "type": "agent", "source": ["service"], "configuration": .object(configuration),
            "filters": ["service.specification.slug": "mysql"],
        ]
    }

    /// Writes an executable script into a fresh directory and returns its path.
    static func script(_ body: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-agent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("entrypoint").path
        try ("#!/bin/sh\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    static func result(_ api: APIClient, status: String) async throws -> JSONValue {
        var found: JSONValue = .null
        try await eventually("an agent delivery is \(status)") {
            found = try await api.expect(200, .get, "/_npsim/deliveries?status=\(status)")["results"]?.arrayValue?.first ?? .null
            return found != .null
        }
        return found
    }

    @Test func theCommandGetsTheContextTheKeyAndTheURLAndItsExitCodeIsRecorded() async throws {
        let entrypoint = try Self.script(
            """
            echo "args: $*"
            echo "$NP_ACTION_CONTEXT" > "$(dirname "$0")/context.json"
            echo "key=$NP_API_KEY url=$NP_API_URL"
            echo "to stderr" >&2
            exit 3
            """
        )
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: entrypoint).deletingLastPathComponent().path) }
        try await withServer(agent: AgentSettings(tags: ["environment": "dev", "team": "data"], timeout: .seconds(20))) { api in
            try await api.expect(200, .post, "/notification/channel", Self.channel(cmdline: entrypoint, apiKey: "channel-key"))
            let service = try await api.createMySQL()
            let action = try await api.runAction(on: service, spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])
            let delivery = try await Self.result(api, status: "delivered")
            let result = try #require(delivery["result"])
            #expect(result["exit_code"] == 3)
            #expect(result["timed_out"] == false)
            #expect(result["stdout"]?.stringValue?.contains("args: --from npsim") == true)
            #expect(result["stdout"]?.stringValue?.contains("key=channel-key url=http://127.0.0.1:") == true)
            #expect(result["stderr"] == "to stderr\n")
            #expect(delivery["last_error"] == "the command exited with 3")
            var context = try String(
                contentsOfFile: URL(fileURLWithPath: entrypoint).deletingLastPathComponent().appendingPathComponent("context.json").path,
                encoding: .utf8
            )
            context = context.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(context.hasPrefix("'") && context.hasSuffix("'"), "the channel wraps the context in single quotes, as Terraform's module does")
            let envelope = try JSONParser.parse(String(context.dropFirst().dropLast()))
            #expect(envelope["notification"]?["id"] == .string(action))
            let notification = try await api.expect(200, .get, "/notification/\(delivery["notification_id"]!.stringValue!)/result")
            #expect(notification["results"]?.arrayValue?.first?["result"]?["exit_code"] == 3)
        }
    }

    @Test func aRunnerClosesTheLoopThroughTheAPI() async throws {
        let entrypoint = try Self.script(
            """
            exec python3 - <<'PY'
            import json, os, urllib.request
            context = json.loads(os.environ["NP_ACTION_CONTEXT"].strip("'"))["notification"]
            url = os.environ["NP_API_URL"]
            def call(method, path, body):
                request = urllib.request.Request(url + path, data=json.dumps(body).encode(), method=method, headers={"Content-Type": "application/json"})
                if token: request.add_header("Authorization", "Bearer " + token)
                return json.loads(urllib.request.urlopen(request).read() or b"null")
            token = None
            token = call("POST", "/token", {"api_key": os.environ["NP_API_KEY"]})["access_token"]
            path = "/service/%s/action/%s" % (context["service"]["id"], context["id"])
            call("PATCH", path, {"messages": [{"level": "info", "message": "provisioning"}]})
            call("PATCH", path, {"status": "success", "results": {"hostname": "mysql.local", "port": 3306}})
            print("reported")
            PY
            """
        )
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: entrypoint).deletingLastPathComponent().path) }
        try await withServer(agent: AgentSettings(tags: ["environment": "dev"], timeout: .seconds(20))) { api in
            try await api.expect(200, .post, "/notification/channel", Self.channel(cmdline: entrypoint))
            let service = try await api.createMySQL()
            _ = try await api.runAction(on: service, spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])
            try await eventually("the runner made the service active") {
                try await api.expect(200, .get, "/service/\(service)")["status"] == "active"
            }
            #expect(try await api.expect(200, .get, "/service/\(service)")["attributes"]?["hostname"] == "mysql.local")
            let delivery = try await Self.result(api, status: "delivered")
            #expect(delivery["result"]?["exit_code"] == 0)
        }
    }

    @Test func aHungCommandIsKilledAndRecorded() async throws {
        let entrypoint = try Self.script("echo started\nsleep 30\n")
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: entrypoint).deletingLastPathComponent().path) }
        try await withServer(agent: AgentSettings(tags: ["environment": "dev"], timeout: .milliseconds(300))) { api in
            try await api.expect(200, .post, "/notification/channel", Self.channel(cmdline: entrypoint))
            let start = ContinuousClock.now
            _ = try await api.runAction(on: try await api.createMySQL(), spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])
            let delivery = try await Self.result(api, status: "failed")
            #expect(ContinuousClock.now - start < .seconds(10))
            #expect(delivery["result"]?["timed_out"] == true)
            #expect(delivery["result"]?["stdout"] == "started\n")
            #expect(delivery["attempts"] == 1)
        }
    }

    @Test func aSelectorNoAgentMatchesLeavesTheNotificationUnmatchedAndSaysWhy() async throws {
        try await withServer(agent: AgentSettings(tags: ["environment": "prod"])) { api in
            try await api.expect(200, .post, "/notification/channel", Self.channel(cmdline: "/bin/true"))
            _ = try await api.runAction(on: try await api.createMySQL(), spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])
            let notification = try #require(try await api.expect(200, .get, "/notification")["results"]?.arrayValue?.first)
            #expect(notification["status"] == "unmatched")
            let reason = try #require(notification["routing"]?["skipped"]?.arrayValue?.first?.stringValue)
            #expect(reason.contains("no agent matched its selector") && reason.contains("--agent-tag environment=dev"))
        }
    }

    /// A `package-exec` worker answers with one JSON document: it becomes the action's results, or fails the action
    /// when it is an error, not JSON, or the worker fails.
    @Test func aPackageWorkersReplyBecomesTheActionsResults() async throws {
        let worker = try Self.script(
            """
            case "$(printf '%s' "$NP_ACTION_CONTEXT" | tr -d "'" | grep -o '"type":"[a-z]*"' | head -1)" in
              *create*) echo '{"hostname":"db.internal","port":3306}' ;;
              *update*) echo '{"error":{"status":409,"code":"busy","message":"the instance is being resized"}}' ;;
              *) echo 'not json' ;;
            esac
            """
        )
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: worker).deletingLastPathComponent().path) }
        try await withServer(agent: AgentSettings(tags: ["environment": "dev"], timeout: .seconds(20))) { api in
            guard case .object(var channel) = Self.channel(cmdline: worker), case .object(var configuration)? = channel["configuration"] else {
                throw TestFailure("the channel is not an object")
            }
            configuration["command"] = [
                "type": "package-exec",
                "data": ["package": "mysql-tools", "cmdline": .string(worker), "environment": ["NP_ACTION_CONTEXT": "'${NOTIFICATION_CONTEXT}'"]],
            ]
            channel["configuration"] = .object(configuration)
            try await api.expect(200, .post, "/notification/channel", .object(channel))
            let service = try await api.createMySQL()
            let create = try await api.runAction(on: service, spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])
            var action: JSONValue = .null
            try await eventually("the create action ends") {
                action = try await api.expect(200, .get, "/service/\(service)/action/\(create)?include_messages=true")
                return action["status"] == "success" || action["status"] == "failed"
            }
            #expect(action["status"] == "success", "\(JSONWriter.string(action))")
            #expect(action["results"] == ["hostname": "db.internal", "port": 3306])
            let active = try await api.expect(200, .get, "/service/\(service)")
            #expect(active["status"] == "active")
            #expect(active["attributes"]?["hostname"] == "db.internal", "targeted results become attributes")

            let update = try await api.runAction(on: service, spec: Fixtures.updateMySQL, parameters: ["size": "large"])
            try await eventually("the update action fails with the worker's error") {
                action = try await api.expect(200, .get, "/service/\(service)/action/\(update)?include_messages=true")
                return action["status"] == "failed"
            }
            #expect(action["messages"]?.arrayValue?.contains { $0["message"] == "the instance is being resized" } == true)

            let custom = try await api.runAction(on: service, spec: Fixtures.getCredentials, parameters: [:])
            try await eventually("a reply that is not JSON fails the action") {
                action = try await api.expect(200, .get, "/service/\(service)/action/\(custom)?include_messages=true")
                return action["status"] == "failed"
            }
            #expect(
                action["messages"]?.arrayValue?.contains { $0["message"] == "the package's worker printed no JSON object on standard output" } == true
            )
        }
    }
}
