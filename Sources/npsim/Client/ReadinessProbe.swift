import Foundation
import NIOCore
import NPSimCore

/// One look at `GET /_npsim/ready`, as `npsim wait` and `npsim healthcheck` take it.
enum ReadinessProbe {
    enum Answer {
        case ready
        /// npsim runs but is not ready yet; `reason` says what it waits for.
        case notYet(reason: String)
        /// An init script failed: npsim will not become ready without a restart.
        case failed(reason: String)
        /// Nothing answered (not started yet, or not listening on this URL).
        case unreachable(reason: String)
    }

    static func look(at url: String, within timeout: Duration) async -> Answer {
        let milliseconds = max(1, Int64(timeout.milliseconds.rounded(.up)))
        do {
            let reply = try await NPSimClient.anonymous(url: url).send("GET", "/_npsim/ready", nil, timeout: .milliseconds(milliseconds))
            if reply.status == 200 { return .ready }
            if reply.status == 503, reply.json["failed"]?.arrayValue?.isEmpty == false { return .failed(reason: reply.message) }
            return .notYet(reason: reply.status == 503 ? reply.message : "GET /_npsim/ready answered \(reply.status): \(reply.message)")
        } catch {
            return .unreachable(reason: "\(error)")
        }
    }

    /// A number of seconds given on the command line, refused unless finite and in `1 ms ... 1 day`.
    static func seconds(_ value: Double, option: String) throws -> Duration {
        guard value.isFinite, value >= 0.001, value <= 86_400 else {
            throw CommandFailure("\(option) must be a number of seconds between 0.001 and 86400, got \(value)")
        }
        return .milliseconds(Int64((value * 1000).rounded()))
    }
}
