import Foundation
import NPSimCore
import Testing

/// The example scenarios of `fixtures/scenarios/`, each run by `npsim test` against the real binary with its example
/// runner, as their headers say to: the runners cope with the faults injected (duplicates, lost and late
/// notifications, refused and unanswered reports), and the JUnit file says so. One at a time: each starts npsim
/// and a runner that starts processes of its own (act, bash, `np`), which the rest of the suite competes with.
@Suite(.serialized) struct ExampleScenarioTests {

    /// Runs a scenario file with `npsim test --junit` against `server` and checks that every scenario passed.
    static func run(_ file: String, scenarios: Int, server: NPSimProcess, environment: [String: String] = [:]) async throws {
        let output = try scratchDirectory("npsim-scenarios")
        defer { try? FileManager.default.removeItem(at: output) }
        let junit = output.appendingPathComponent("junit.xml").path
        let outcome = try await ClientCommandTests.npsim(
            ["test", "\(Fixtures.directory)/scenarios/\(file)", "--junit", junit],
            server: server,
            environment: environment
        )
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.contains(#"tests="\#(scenarios)" failures="0""#) && !xml.contains("<failure"), "\(xml)")
    }

    /// The journal of the action the last scenario left (a reset before each scenario removed the others').
    static func lastJournal(_ server: NPSimProcess) async throws -> [JSONValue] {
        let token = try await server.token()
        let action = try #require(
            try await server.call(.GET, "/notification?limit=1", token: token).json["results"]?.arrayValue?.first?["action_id"]?.stringValue
        )
        return try await server.call(.GET, "/_npsim/actions/\(action)/journal", token: token).json["events"]?.arrayValue ?? []
    }

    static func messages(_ journal: [JSONValue]) -> [String] {
        journal.compactMap { $0["detail"]?["messages"]?.arrayValue }.flatMap { $0 }.compactMap { $0["message"]?.stringValue }
    }

    /// A failed attempt, a duplicate delivery and a refused report, under the manual clock.
    @Test func theWebhookRunnerCopesWithADuplicateAndARefusedReport() async throws {
        let state = try scratchDirectory("npsim-webhook-runner")
        defer { try? FileManager.default.removeItem(at: state) }
        let server = try await NPSimProcess(arguments: [
            "--in-memory", "--clock", "manual", "--seed", "\(Fixtures.directory)/00-hierarchy.yaml", "--seed", "\(Fixtures.directory)/10-mysql.yaml",
        ])
        let (runner, runnerURL) = try await launchServer(
            executable: RunnerTests.runners.appendingPathComponent("webhook/runner.py").path,
            arguments: [],
            environment: ["NP_API_URL": server.url, "NP_API_KEY": server.apiKey, "PORT": "0", "STATE_DIR": state.path]
        )
        defer { runner.forceStop() }
        try await Self.run("webhook-runner.yaml", scenarios: 1, server: server, environment: ["RUNNER_URL": runnerURL])
        let journal = try await Self.lastJournal(server)
        let attempts = journal.filter { $0["event"] == "attempt" }
        #expect(attempts.count == 2 && attempts.last?["detail"]?["fault"]?.stringValue?.contains("sent twice") == true)
        #expect(Self.messages(journal).filter { $0.hasPrefix("create: MySQL") }.count == 1, "the duplicate was handled once")
        #expect(journal.contains { $0["event"] == "api_fault" }, "the refused report is in the journal")
        #expect(try await server.stop() == 0)
    }

    /// The agent runner's command runs twice for one notification and its first report is left unanswered; in the
    /// other scenario, its notification comes late. Both scenarios take the same channel.
    @Test func theAgentRunnerHandlesARepeatedCommandOnceAndALateNotification() async throws {
        let state = try scratchDirectory("npsim-agent-runner")
        defer { try? FileManager.default.removeItem(at: state) }
        let server = try await NPSimProcess(
            arguments: [
                "--in-memory", "--clock", "manual", "--agent-tag", "environment=dev", "--seed", "fixtures/00-hierarchy.yaml", "--seed",
                "fixtures/10-mysql.yaml",
            ],
            directory: Fixtures.repositoryRoot.path
        )
        try await Self.run("agent-runner.yaml", scenarios: 2, server: server, environment: ["STATE_DIR": state.path])
        let token = try await server.token()
        #expect(
            try await server.call(.GET, "/notification/channel?nrn=organization%3D1%3Aaccount%3D2", token: token).json["results"]?.arrayValue?.count
                == 1
        )
        let journal = try await Self.lastJournal(server)
        let attempts = journal.filter { $0["event"] == "attempt" }
        #expect(attempts.count == 1 && attempts.first?["detail"]?["fault"]?.stringValue?.contains("sent twice") == true, "\(attempts)")
        #expect(Self.messages(journal).filter { $0.hasPrefix("create: MySQL") }.count == 1, "the second run did nothing")
        let refused = journal.first { $0["event"] == "api_fault" }
        #expect(refused?["detail"]?["fault"]?.stringValue?.contains("held 2.0 s, then answered 504") == true, "\(journal)")
        #expect(try await server.stop() == 0)
    }

    /// A GitLab pipeline (run in bash) and a GitHub workflow (run by act), each with its own channel and faults.
    @Test func thePipelineRunnersCopeWithAResetTriggerAndRefusedReports() async throws {
        let state = try scratchDirectory("npsim-pipeline-runners")
        defer { try? FileManager.default.removeItem(at: state) }
        let server = try await NPSimProcess(
            arguments: [
                "--in-memory", "--clock", "manual", "--seed", "fixtures/00-hierarchy.yaml", "--seed", "fixtures/10-mysql.yaml", "--checkout",
                "gitlab:1=fixtures/runners", "--checkout", "github:my-github-org/services-terraform=fixtures/runners",
            ],
            environment: ["STATE_DIR": state.path],
            directory: Fixtures.repositoryRoot.path
        )
        try await Self.run("pipeline-runners.yaml", scenarios: 2, server: server)
        let journal = try await Self.lastJournal(server)
        #expect(journal.contains { $0["event"] == "api_fault" } && Self.messages(journal).contains { $0.hasPrefix("create: MySQL 8.4") })
        #expect(try await server.stop() == 0)
    }

    /// The runner laid out as nullplatform's service repositories are, calling npsim's `np`: a late notification,
    /// then a custom action and the delete.
    @Test func theObjectStoreRunnerCompletesALateCreateAndTheRest() async throws {
        let state = try scratchDirectory("npsim-object-store-runner")
        defer { try? FileManager.default.removeItem(at: state) }
        let server = try await NPSimProcess(
            arguments: [
                "--in-memory", "--clock", "manual", "--agent-tag", "environment=development", "--seed", "fixtures/00-hierarchy.yaml", "--seed",
                "fixtures/30-providers.yaml", "--seed", "fixtures/runners/object-store/specs/object-store.yaml",
            ],
            environment: ["PATH": RealRunnerTests.pathWithoutNP(), "OBJECT_STORE_STATE_DIR": state.path],
            directory: Fixtures.repositoryRoot.path
        )
        try await Self.run("object-store-runner.yaml", scenarios: 1, server: server)
        let journal = try await Self.lastJournal(server)
        let attempts = journal.filter { $0["event"] == "attempt" }.map { $0["detail"]?["outcome"] }
        #expect(attempts == ["delivered"], "the last action (the delete) was delivered at once: \(attempts)")
        #expect(try await server.stop() == 0)
    }
}
