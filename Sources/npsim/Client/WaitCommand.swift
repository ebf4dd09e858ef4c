import ArgumentParser
import Foundation

/// `npsim wait`: returns once npsim is ready (listening, its fixtures applied, every init script run), so that a CI
/// job's next step never races its set-up. Exits 1 at once when an init script failed, naming it, or when the
/// npsim process given with `--pid` ended (a fixture it refused, a port in use), and after `--timeout` with what
/// npsim was still waiting for.
struct WaitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Wait until npsim is ready: listening, its fixtures applied and its init scripts run."
    )

    @Option(help: "The server's URL [NPSIM_URL, default http://127.0.0.1:4466].")
    var url: String?

    @Option(help: "Give up after this many seconds.")
    var timeout: Double = 60

    @Option(help: "The process id of the npsim started for this: fail at once if it ends before it is ready.")
    var pid: Int32?

    func run() async throws {
        let base = ClientOptions.url(url)
        let limit = try ReadinessProbe.seconds(timeout, option: "--timeout")
        let deadline = ContinuousClock.now + limit
        var waitingFor = "nothing answered"
        while true {
            let left = deadline - ContinuousClock.now
            switch await ReadinessProbe.look(at: base, within: min(left, .seconds(5))) {
            case .ready:
                Output.line("npsim at \(base) is ready")
                return
            case .failed(let reason):
                throw CommandFailure("npsim at \(base) will not become ready: \(reason)")
            case .notYet(let reason), .unreachable(let reason):
                waitingFor = reason
            }
            if let pid, Self.hasEnded(pid) {
                throw CommandFailure("npsim (process \(pid)) ended before it was ready at \(base); its output says why")
            }
            guard ContinuousClock.now < deadline else {
                throw CommandFailure("npsim at \(base) was not ready after \(timeout) s: \(waitingFor)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

extension WaitCommand {
    /// Whether process `pid` is gone, or ended and not yet reaped: a CI step's shell that started npsim in the
    /// background reaps it only after `npsim wait` returns, so until then it is a zombie, which `kill(pid, 0)` still
    /// finds.
    static func hasEnded(_ pid: Int32) -> Bool {
        if kill(pid, 0) != 0, errno == ESRCH { return true }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let name = stat.lastIndex(of: ")") else {
            return false
        }
        return stat[stat.index(after: name)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }
}

/// `npsim healthcheck`: one look at readiness, exit 0 when ready and 1 otherwise, for a container's `HEALTHCHECK`
/// in an image without curl.
struct HealthcheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck",
        abstract: "Exit 0 if npsim is ready, 1 if not (for a container's HEALTHCHECK)."
    )

    @Option(help: "The server's URL [NPSIM_URL, default http://127.0.0.1:4466].")
    var url: String?

    @Option(help: "How long to wait for the answer, in seconds.")
    var timeout: Double = 5

    func run() async throws {
        let base = ClientOptions.url(url)
        switch await ReadinessProbe.look(at: base, within: try ReadinessProbe.seconds(timeout, option: "--timeout")) {
        case .ready:
            Output.line("ready")
        case .notYet(let reason), .failed(let reason), .unreachable(let reason):
            throw CommandFailure("npsim at \(base) is not ready: \(reason)")
        }
    }
}
