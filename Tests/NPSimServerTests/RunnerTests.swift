import Foundation
import NPSimCore
import NPSimStandIns
import Testing

/// The example runners of `fixtures/runners`, run for real against the real npsim: Create MySQL makes the service
/// `active` with the runner's attributes, and Get Credentials returns credentials in the action's results.
@Suite(.serialized) struct RunnerTests {
    static let runners = URL(fileURLWithPath: Fixtures.directory).appendingPathComponent("runners")

    /// Runs Create MySQL and Get Credentials through whatever channel is registered, and checks the outcome.
    static func driveTheLoop(_ server: NPSimProcess, token: String, stateDirectory: URL) async throws {
        let service = try #require(
            try await server.call(
                .POST,
                "/service",
                [
                    "name": "orders-db", "specification_id": .string(Fixtures.mysqlSpec), "entity_nrn": .string(Fixtures.appNRN),
                    "dimensions": ["environment": "dev"],
                ],
                token: token
            ).json["id"]?.stringValue
        )
        _ = try await server.call(
            .POST,
            "/service/\(service)/action",
            [
                "specification_id": .string(Fixtures.createMySQL), "parameters": ["version": "8.4", "size": "small"],
            ],
            token: token
        )
        try await eventually(within: .seconds(30), "the runner made the service active") {
            try await server.call(.GET, "/service/\(service)", token: token).json["status"] == "active"
        }
        let attributes = try await server.call(.GET, "/service/\(service)", token: token).json["attributes"]
        #expect(attributes?["hostname"] == "orders-db.mysql.local")
        #expect(attributes?["port"] == 3306)
        #expect(FileManager.default.fileExists(atPath: stateDirectory.appendingPathComponent("\(service)-orders-db.json").path))

        let credentials = try #require(
            try await server.call(
                .POST,
                "/service/\(service)/action",
                [
                    "specification_id": .string(Fixtures.getCredentials), "parameters": ["ttl_minutes": 30],
                ],
                token: token
            ).json["id"]?.stringValue
        )
        var action: JSONValue = .null
        try await eventually(within: .seconds(30), "Get Credentials succeeded") {
            action = try await server.call(.GET, "/service/\(service)/action/\(credentials)?include_messages=true", token: token).json
            return action["status"] == "success"
        }
        #expect(action["results"]?["username"]?.stringValue?.hasPrefix("tmp_") == true)
        // The password is a secret result: hidden from reads unless asked for.
        #expect(action["results"]?["password"] == .null)
        let revealed = try await server.call(.GET, "/service/\(service)/action/\(credentials)?include_secret_attributes=true", token: token).json
        #expect(revealed["results"]?["password"]?.stringValue?.isEmpty == false)
        #expect(action["messages"]?.arrayValue?.first?["message"] == "issuing credentials valid for 30 minutes")
    }

    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("npsim-runner-\(UUID().uuidString)")
    }

    @Test func theWebhookRunnerClosesTheLoop() async throws {
        let state = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: state) }
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let server = try await NPSimProcess(arguments: ["--in-memory", "--seed", Fixtures.directory, "--webhook-secret", secret])
        let (runner, runnerURL) = try await launchServer(
            executable: Self.runners.appendingPathComponent("webhook/runner.py").path,
            arguments: [],
            environment: ["NP_API_URL": server.url, "NP_API_KEY": server.apiKey, "PORT": "0", "STATE_DIR": state.path, "WEBHOOK_SECRET": secret]
        )
        defer { runner.forceStop() }
        let token = try await server.token()
        try await server.addMySQLChannel(type: "http", configuration: ["url": .string(runnerURL + "/hook")], token: token)
        try await Self.driveTheLoop(server, token: token, stateDirectory: state)
        try await server.stop()
    }

    @Test func theAgentRunnerClosesTheLoop() async throws {
        let state = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: state) }
        let server = try await NPSimProcess(arguments: ["--in-memory", "--seed", Fixtures.directory, "--agent-tag", "environment=dev"])
        let token = try await server.token()
        try await server.addMySQLChannel(
            type: "agent",
            configuration: NPSimProcess.agentCommand(
                Self.runners.appendingPathComponent("agent/entrypoint").path,
                environment: ["NP_ACTION_CONTEXT": "'${NOTIFICATION_CONTEXT}'", "STATE_DIR": .string(state.path)],
                selector: ["environment": "dev"]
            ),
            token: token
        )
        try await Self.driveTheLoop(server, token: token, stateDirectory: state)
        try await server.stop()
    }

    /// Starts npsim with `fixtures/runners` mapped as the checkout of `resource`, registers a channel of `type`,
    /// drives the loop, and checks the local run the stand-in recorded.
    static func closeTheLoopLocally(
        type: String,
        resource: String,
        configuration: JSONValue,
        provider: String,
        succeeded: (JSONValue) -> Bool
    )
        async throws
    {
        let state = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: state) }
        let server = try await NPSimProcess(
            arguments: ["--in-memory", "--seed", Fixtures.directory, "--checkout", "\(resource)=\(Self.runners.path)"],
            environment: ["STATE_DIR": state.path]
        )
        let token = try await server.token()
        try await server.addMySQLChannel(type: type, configuration: configuration, token: token)
        do {
            try await Self.driveTheLoop(server, token: token, stateDirectory: state)
        } catch {
            let runs = try await server.call(.GET, "/_npsim/providers/runs?provider=\(provider)", token: token).json
            for run in runs["results"]?.arrayValue ?? [] {
                let id = run["id"]?.intValue ?? 0
                let detail = try await server.call(.GET, "/_npsim/providers/runs/\(id)", token: token).json
                Issue.record("run \(id): \(detail["status"] ?? .null) \(detail["log"]?.stringValue ?? "")")
            }
            throw error
        }
        // The runner reports success before its process exits: the runs end a moment later.
        var runs: [JSONValue] = []
        try await eventually(within: .seconds(30), "both local runs finished") {
            runs = try await server.call(.GET, "/_npsim/providers/runs?provider=\(provider)", token: token).json["results"]?.arrayValue ?? []
            return runs.count == 2 && runs.allSatisfy { $0["finished_at"] != nil }
        }
        for run in runs {
            #expect(run["local"] == true)
            #expect(succeeded(run), "run \(run["id"] ?? .null) ended \(run["status"] ?? .null) \(run["conclusion"] ?? .null)")
        }
        try await server.stop()
    }

    @Test func theGitHubWorkflowRunsWithActAndClosesTheLoop() async throws {
        try await Self.closeTheLoopLocally(
            type: "github",
            resource: "github:my-github-org/services-terraform",
            configuration: [
                "installation_id": "1234", "account": "my-github-org", "repository": "services-terraform", "reference": "main",
                "workflow_id": "provisioning.yml",
            ],
            provider: "github"
        ) { $0["status"] == "completed" && $0["conclusion"] == "success" && $0["exit_code"] == 0 }
    }

    @Test func theGitLabPipelineRunsLocallyAndClosesTheLoop() async throws {
        try await Self.closeTheLoopLocally(
            type: "gitlab",
            resource: "gitlab:1",
            configuration: ["reference": "main", "project_id": "1"],
            provider: "gitlab"
        ) { $0["status"] == "success" && $0["exit_code"] == 0 }
    }

    @Test func theAzurePipelineRunsLocallyAndClosesTheLoop() async throws {
        try await Self.closeTheLoopLocally(
            type: "azure",
            resource: "azure:my-org/my-devops-project/1",
            configuration: ["organization": "my-org", "project": "my-devops-project", "pipeline_id": 1, "reference": "main"],
            provider: "azure"
        ) { $0["status"] == "completed" && $0["conclusion"] == "succeeded" && $0["exit_code"] == 0 }
    }
}
