import Foundation
import NPSimCore
import Testing

/// The `npsim` client commands, run as a user runs them: the real binary against a real server, with the
/// example agent runner completing the actions.
@Suite(.serialized) struct ClientCommandTests {
    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs `npsim ARGUMENTS` to its end, against `server` (its URL and key in the environment).
    static func npsim(
        _ arguments: [String],
        server: NPSimProcess?,
        apiKey: String? = nil,
        environment extra: [String: String] = [:]
    ) async throws
        -> Outcome
    {
        var environment = ["NPSIM_URL": server?.url, "NPSIM_API_KEY": apiKey ?? server?.apiKey].compactMapValues { $0 }
        environment.merge(extra) { $1 }
        return try await run(NPSimProcess.binary, arguments, environment: environment)
    }

    /// Runs a program to its end with this process's environment and `environment` over it; output goes through
    /// files, so nothing blocks on a full pipe.
    static func run(
        _ executable: String,
        _ arguments: [String],
        environment extra: [String: String] = [:],
        directory: URL? = nil,
        within deadline: Duration = .seconds(60)
    ) async throws -> Outcome {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (out, err) = (scratch.appendingPathComponent("out"), scratch.appendingPathComponent("err"))
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        process.currentDirectoryURL = directory
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        do { try await exited(process, within: deadline) } catch {
            process.terminate()
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) did not end within \(deadline)")
        }
        return Outcome(
            status: process.terminationStatus,
            stdout: try String(contentsOf: out, encoding: .utf8),
            stderr: try String(contentsOf: err, encoding: .utf8)
        )
    }

    @Test func applyCreateRunAndInspectFromTheCommandLine() async throws {
        let state = RunnerTests.temporaryDirectory()
        let channels = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-cli-channel-\(UUID().uuidString).yaml")
        defer {
            try? FileManager.default.removeItem(at: state)
            try? FileManager.default.removeItem(at: channels)
        }
        try """
        channels:
          - nrn: organization=1:account=2
            type: agent
            source: [service]
            filters: { service.specification.slug: mysql }
            configuration:
              command:
                type: exec
                data:
                  cmdline: \(RunnerTests.runners.appendingPathComponent("agent/entrypoint").path)
                  environment: { NP_ACTION_CONTEXT: "'${NOTIFICATION_CONTEXT}'", STATE_DIR: \(state.path) }
              selector: { environment: dev }
        """.write(to: channels, atomically: true, encoding: .utf8)
        let server = try await NPSimProcess(arguments: ["--in-memory", "--agent-tag", "environment=dev"])

        let applied = try await Self.npsim(["apply", Fixtures.directory, channels.path], server: server)
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout.contains("applied 5 file(s)"), "\(applied.stdout)")
        #expect(applied.stdout.contains("1 channels"))

        let created = try await Self.npsim(
            [
                "service", "create", "--spec", "mysql", "--name", "cli-db", "--nrn", Fixtures.appNRN, "--dimension", "environment=dev", "--json",
            ],
            server: server
        )
        #expect(created.status == 0, "\(created.stderr)")
        let service = try #require(try JSONParser.parse(created.stdout)["id"]?.stringValue)

        let create = try await Self.npsim(
            ["action", "run", service, "--action", "create-mysql", "--param", "version=8.4", "--param", "size=small"],
            server: server
        )
        #expect(create.status == 0, "\(create.stdout)\(create.stderr)")
        #expect(create.stdout.contains("[info] create: MySQL 8.4 size small"), "\(create.stdout)")
        #expect(create.stdout.contains("action success"))
        #expect(create.stdout.contains(#"results: {"hostname":"cli-db.mysql.local","port":3306}"#))

        let credentials = try await Self.npsim(
            ["action", "run", service, "--action", "Get Credentials", "--param", "ttl_minutes=5", "--json"],
            server: server
        )
        #expect(credentials.status == 0, "\(credentials.stderr)")
        #expect(try JSONParser.parse(credentials.stdout)["results"]?["username"]?.stringValue?.hasPrefix("tmp_") == true)

        let shown = try await Self.npsim(["service", "show", service], server: server)
        #expect(shown.stdout.contains("cli-db (\(service)): active"))
        #expect(shown.stdout.contains("get-credentials  success"))

        let notifications = try await Self.npsim(["notification", "list"], server: server)
        #expect(notifications.stdout.hasPrefix("ID"), "\(notifications.stdout)")
        #expect(notifications.stdout.components(separatedBy: "service:action:create").count == 3)

        let deliveries = try #require(
            try JSONParser.parse(try await Self.npsim(["delivery", "list", "--json"], server: server).stdout)["results"]?.arrayValue
        )
        #expect(deliveries.count == 2)
        #expect(deliveries.allSatisfy { $0["status"] == "delivered" && $0["channel_type"] == "agent" })
        let delivery = try #require(deliveries.first?["id"]?.intValue)
        let attempts = try await Self.npsim(["delivery", "show", String(delivery)], server: server).stdout
        #expect(attempts.contains("attempt 1 at"), "\(attempts)")

        let followed = try await Self.npsim(["delivery", "follow", "--duration", "0.5"], server: server)
        #expect(followed.stdout.components(separatedBy: ": delivered after 1 attempt(s)").count == 3, "\(followed.stdout)")

        let notification = try #require(deliveries.first?["notification_id"]?.stringValue)
        let resent = try await Self.npsim(["notification", "resend", notification], server: server)
        #expect(resent.status == 0, "\(resent.stderr)")
        #expect(resent.stdout.hasPrefix("resent as notification "))

        let runs = try await Self.npsim(["runs", "list"], server: server)
        #expect(runs.status == 0 && runs.stdout == "(none)\n", "\(runs.stdout)")
        try await server.stop()
    }

    @Test func mistakesAreExplainedWithWhatToDoNext() async throws {
        let server = try await NPSimProcess(arguments: ["--in-memory", "--seed", Fixtures.directory])
        let unknownAction = try await Self.npsim(
            ["service", "create", "--spec", "mysql", "--name", "x", "--nrn", Fixtures.appNRN, "--dimension", "environment=dev", "--json"],
            server: server
        )
        let service = try #require(try JSONParser.parse(unknownAction.stdout)["id"]?.stringValue)
        let wrong = try await Self.npsim(["action", "run", service, "--action", "resize"], server: server)
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("the service's specification has no action 'resize'; its actions are: create-mysql"), "\(wrong.stderr)")

        let badSpec = try await Self.npsim(["service", "create", "--spec", "postgres", "--name", "x", "--nrn", Fixtures.appNRN], server: server)
        #expect(badSpec.stderr.contains("no service specification has the id or slug 'postgres'"))

        let badKey = try await Self.npsim(["service", "list"], server: server, apiKey: "not-a-key")
        #expect(badKey.stderr.contains("refused the API key"), "\(badKey.stderr)")

        let noKey = try await Self.npsim(["service", "list"], server: server, apiKey: "")
        #expect(noKey.stderr.contains("wants a token: pass --api-key or set NPSIM_API_KEY"), "\(noKey.stderr)")

        let badParam = try await Self.npsim(["action", "run", service, "--action", "create-mysql", "--param", "size"], server: server)
        #expect(badParam.stderr.contains("--param must look like key=value, got 'size'"))
        try await server.stop()

        let down = try await Self.npsim(["service", "list", "--url", server.url], server: nil)
        #expect(down.stderr.contains("cannot reach npsim at \(server.url)"), "\(down.stderr)")
        #expect(down.stderr.contains("start it with 'npsim serve'"))
    }

    @Test func aFailedActionEndsTheCommandWithExitCodeOne() async throws {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-failing-runner-\(UUID().uuidString).py")
        defer { try? FileManager.default.removeItem(at: script) }
        try """
        import json, os, sys
        sys.path.insert(0, \(JSONWriter.string(.string(RunnerTests.runners.appendingPathComponent("common").path))))
        import mysql_runner
        notification = json.loads(os.environ["NP_ACTION_CONTEXT"])["notification"]
        api = mysql_runner.NullplatformAPI(os.environ["NP_API_URL"], os.environ["NP_API_KEY"])
        api.patch(f"/service/{notification['service']['id']}/action/{notification['id']}",
                  {"status": "failed", "messages": [{"level": "error", "message": "quota exceeded"}]})
        """.write(to: script, atomically: true, encoding: .utf8)
        let server = try await NPSimProcess(arguments: ["--in-memory", "--seed", Fixtures.directory])
        let token = try await server.token()
        try await server.addMySQLChannel(
            type: "agent",
            configuration: NPSimProcess.agentCommand("python3 \(script.path)", environment: ["NP_ACTION_CONTEXT": "${NOTIFICATION_CONTEXT}"]),
            token: token
        )
        let created = try await Self.npsim(
            ["service", "create", "-q", "--spec", "mysql", "--name", "doomed", "--nrn", Fixtures.appNRN, "--dimension", "environment=dev"],
            server: server
        )
        let service = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let run = try await Self.npsim(
            ["action", "run", service, "--action", "Create MySQL", "--param", "version=8.0", "--param", "size=large"],
            server: server
        )
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("[error] quota exceeded"), "\(run.stdout)")
        #expect(run.stdout.contains("action failed"))
        try await server.stop()
    }
}
