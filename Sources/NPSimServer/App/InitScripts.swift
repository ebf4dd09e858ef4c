import Foundation
import Logging
import NPSimCore
import NPSimDelivery
import ServiceLifecycle

/// `--init-dir DIR`: runs the executable files of DIR, in name order, once the server is listening, as
/// LocalStack's init hooks do. A CI job uses them to register its specifications and channels. Each script gets
/// `NPSIM_URL`/`NP_API_URL` and `NPSIM_API_KEY`/`NP_API_KEY`; their outcome is shown in `/_npsim/health`.
struct InitScripts: Service {
    let directory: String
    let address: ListeningAddress
    let apiKey: String
    let status: InitStatus
    let killGrace: Duration
    let logger: Logger

    func run() async throws {
        let url = await address.whenBound()
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory).sorted()) ?? []
        let scripts = files.map { "\(directory)/\($0)" }.filter { FileManager.default.isExecutableFile(atPath: $0) }
        await status.start(scripts.map { URL(fileURLWithPath: $0).lastPathComponent })
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in [("NPSIM_URL", url), ("NP_API_URL", url), ("NPSIM_API_KEY", apiKey), ("NP_API_KEY", apiKey)] {
            environment[name] = value
        }
        for script in scripts {
            let name = URL(fileURLWithPath: script).lastPathComponent
            do {
                let outcome = try await ChildProcess.run(
                    cmdline: "exec \(ChildProcess.quoted(script))",
                    arguments: [],
                    environment: environment,
                    directory: directory,
                    timeout: .seconds(300),
                    killGrace: killGrace,
                    tailLimit: 16 * 1024
                )
                await status.finish(name, outcome: outcome)
                logger.info("init script \(name) exited with \(outcome.exitCode)\(outcome.timedOut ? " (killed after 300 s)" : "")")
            } catch {
                await status.fail(name, error: "\(error)")
                logger.error("init script \(name) could not start: \(error)")
            }
        }
        await status.complete()
        try await gracefulShutdown()
    }
}

/// What the init scripts did, for `/_npsim/health` and `/_npsim/ready`.
public actor InitStatus {
    /// `none` (no `--init-dir`), `pending` (not started: the server is not listening yet), `running`, `done` or
    /// `failed`.
    private var state: String
    private var scripts: [String: JSONValue] = [:]
    private var order: [String] = []

    init(expectingScripts: Bool) {
        state = expectingScripts ? "pending" : "none"
    }

    func start(_ names: [String]) {
        state = "running"
        order = names
        for name in names { scripts[name] = ["name": .string(name), "status": "pending"] }
    }

    func finish(_ name: String, outcome: ChildProcess.Outcome) {
        let failed = outcome.exitCode != 0 || outcome.timedOut
        scripts[name] = [
            "name": .string(name), "status": failed ? "failed" : "succeeded", "exit_code": .int(Int(outcome.exitCode)),
            "timed_out": .bool(outcome.timedOut), "output": .string(String(decoding: outcome.stdout + outcome.stderr, as: UTF8.self)),
        ]
    }

    func fail(_ name: String, error: String) {
        scripts[name] = ["name": .string(name), "status": "failed", "error": .string(error)]
    }

    func complete() {
        state = order.contains { scripts[$0]?["status"] == "failed" } ? "failed" : "done"
    }

    var json: JSONValue {
        ["status": .string(state), "scripts": .array(order.compactMap { scripts[$0] })]
    }

    /// Whether every init script has run and succeeded (or there are none), and if not, what is pending or failed.
    var readiness: (ready: Bool, reason: String?, pending: [String], failed: [String]) {
        let failed = order.filter { scripts[$0]?["status"] == "failed" }
        let pending = order.filter { scripts[$0]?["status"] == "pending" }
        switch state {
        case "none", "done":
            return (true, nil, [], [])
        case "failed":
            let first = failed.first.flatMap { scripts[$0] }
            let how = first?["error"]?.stringValue ?? first?["exit_code"]?.intValue.map { "exit code \($0)" } ?? "failed"
            return (false, "init script \(failed.first ?? "") failed (\(how)); its output is in /_npsim/health", pending, failed)
        case "pending":
            return (false, "the init scripts have not started yet", pending, failed)
        default:
            let reason =
                failed.isEmpty
                ? "waiting for init scripts: \(pending.joined(separator: ", "))"
                : "init script \(failed[0]) failed; waiting for the others: \(pending.joined(separator: ", "))"
            return (false, reason, pending, failed)
        }
    }
}
