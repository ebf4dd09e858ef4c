import Foundation
import NPSimCore
import Testing

/// The processes npsim starts, seen from inside: a clean signal state, a graceful stop, nothing left behind.
@Suite struct ChildProcessTests {
    /// A shell script that records its signal mask and ignored signals, traps SIGTERM, and then waits for ever. It
    /// reads its own status with builtins only: the shell blocks every signal while it starts a command, so a `grep`
    /// of the shell's status would see that moment rather than the state npsim gave it.
    static func trappingScript(in directory: URL) throws -> String {
        let script = directory.appendingPathComponent("child.sh")
        try """
        while IFS= read -r line; do case "$line" in SigBlk:*|SigIgn:*) echo "$line";; esac; done < /proc/$$/status > "\(directory.path)/signals"
        echo "NPSIM=$NPSIM" > "\(directory.path)/environment"
        trap 'echo stopped > "\(directory.path)/trapped"; exit 0' TERM
        echo started > "\(directory.path)/started"
        while :; do sleep 0.1; done
        """.write(to: script, atomically: true, encoding: .utf8)
        return "exec sh \(script.path)"
    }

    /// Runs Get Credentials of a new active MySQL service, which an agent channel running `cmdline` receives.
    static func runAgentAction(_ server: NPSimProcess, cmdline: String) async throws -> String {
        let token = try await server.token()
        try await server.addMySQLChannel(type: "agent", configuration: NPSimProcess.agentCommand(cmdline, environment: [:]), token: token)
        let service = try await server.createMySQLService(named: "child", active: true, token: token)
        let action = try await server.runAction(on: service, Fixtures.getCredentials, parameters: ["ttl_minutes": 30], token: token)
        #expect(action.status == 200, "\(JSONWriter.string(action.json))")
        return token
    }

    @Test func anAgentCommandStartsWithNoSignalBlockedAndRunsItsTrapWhenNpsimStops() async throws {
        let directory = try scratchDirectory("npsim-child")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await NPSimProcess(arguments: ["--in-memory", "--seed", Fixtures.directory, "--kill-grace", "5"])
        _ = try await Self.runAgentAction(server, cmdline: try Self.trappingScript(in: directory))
        try await eventually(within: .seconds(15), "the command started") {
            FileManager.default.fileExists(atPath: directory.appendingPathComponent("started").path)
        }
        // No signal blocked, and none of the standard ones (1 to 31) ignored; glibc keeps 32 and 33 for itself.
        let signals = try String(contentsOf: directory.appendingPathComponent("signals"), encoding: .utf8)
        #expect(signals.contains("SigBlk:\t0000000000000000"), "\(signals)")
        let ignored = signals.split(separator: "\n").first { $0.hasPrefix("SigIgn:") }.flatMap {
            UInt64($0.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16)
        }
        #expect(try #require(ignored) & 0x7FFF_FFFF == 0, "\(signals)")
        // Every child can tell it runs under npsim.
        #expect(try String(contentsOf: directory.appendingPathComponent("environment"), encoding: .utf8) == "NPSIM=true\n")

        let clock = ContinuousClock.now
        #expect(try await server.stop() == 0)
        #expect(ContinuousClock.now - clock < .seconds(5), "npsim's shutdown waits at most the kill grace for its children")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("trapped").path), "the command's SIGTERM trap ran")
    }

    @Test func aCommandPastItsTimeoutIsStoppedGracefullyAndTheDeliveryFails() async throws {
        let directory = try scratchDirectory("npsim-child")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await NPSimProcess(arguments: ["--in-memory", "--seed", Fixtures.directory, "--agent-timeout", "1", "--kill-grace", "5"])
        let token = try await Self.runAgentAction(server, cmdline: try Self.trappingScript(in: directory))
        try await eventually(within: .seconds(15), "the delivery failed") {
            try await server.call(.GET, "/_npsim/deliveries?status=failed", token: token).json["paging"]?["total"] == 1
        }
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("trapped").path), "SIGTERM came first")
        let delivery = try #require(try await server.call(.GET, "/_npsim/deliveries", token: token).json["results"]?.arrayValue?.first)
        #expect(delivery["last_error"]?.stringValue?.contains("--agent-timeout") == true, "\(delivery)")
        #expect(delivery["result"]?["timed_out"] == true)
        #expect(try await server.stop() == 0)
    }

    /// The ids of the example runners a demo serving at `url` started that are still alive.
    static func demoRunners(of url: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int($0) != nil }.filter { pid in
            guard let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ"),
                let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline")
            else { return false }
            return String(decoding: command, as: UTF8.self).contains("runner.py")
                && String(decoding: environ, as: UTF8.self).split(separator: "\0").contains { $0 == "NP_API_URL=\(url)" }
        }
    }

    @Test(arguments: [false, true])
    func theDemoLeavesNoProcessBehind(interrupted: Bool) async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-demo-\(UUID().uuidString).txt")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: NPSimProcess.binary)
        process.arguments = ["demo", "--port", "0", "--fixtures", Fixtures.directory] + (interrupted ? [] : ["--exit-when-done"])
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        var url = ""
        try await eventually(within: .seconds(60), "the demo said where it serves") {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            guard let range = text.range(of: #"npsim on (http://[0-9.:]+)"#, options: .regularExpression) else { return false }
            url = String(text[range].dropFirst("npsim on ".count))
            return true
        }
        if interrupted {
            try await eventually(within: .seconds(60), "the demo ran its loop") {
                (try? String(contentsOf: output, encoding: .utf8))?.contains("demo complete.") == true
            }
            #expect(!Self.demoRunners(of: url).isEmpty, "the runner is alive while the demo serves")
            kill(process.processIdentifier, SIGINT)
        }
        try await eventually(within: .seconds(60), "the demo exited") { !process.isRunning }
        #expect(process.terminationStatus == 0)
        try await eventually(within: .seconds(5), "no runner of the demo at \(url) is left") { Self.demoRunners(of: url).isEmpty }
    }
}
