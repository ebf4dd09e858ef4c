import Foundation
import NPSimDelivery
import NPSimServer
import Testing

/// `npsim serve --help`, `docs/configuration.md` and the values the server applies state the same defaults.
@Suite struct DefaultsTests {
    static func seconds(_ duration: Duration) -> String {
        let value = duration.components.seconds
        return duration.components.attoseconds == 0 ? String(value) : String(Double(value) + Double(duration.components.attoseconds) / 1e18)
    }

    /// Every default the code applies, by flag.
    static var applied: [String: String] {
        let server = ServerConfiguration()
        let delivery = DeliveryPolicy()
        return [
            "host": server.host, "port": String(server.port), "db": server.databasePath ?? "",
            "retry-schedule": DeliveryPolicy.scheduleText(delivery.retrySchedule), "delivery-timeout": seconds(delivery.timeout),
            "attempt-retention": String(delivery.attemptRetention), "notification-retention": String(delivery.notificationRetention),
            "max-deliveries": String(delivery.globalConcurrency), "max-deliveries-per-channel": String(delivery.perChannelConcurrency),
            "run-timeout": seconds(server.localRuns.timeout), "agent-timeout": seconds(server.agent.timeout),
            "kill-grace": seconds(server.killGrace), "max-connections": String(server.maximumConnections),
            "idle-timeout": seconds(server.idleTimeout), "log-level": server.logLevel.rawValue, "tls-port": String(TLSSettings().port),
            "np-cli": server.npCommand.rawValue, "clock": server.clock.rawValue,
        ]
    }

    @Test func helpDocsAndCodeAgreeOnEveryDefault() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-help-\(UUID().uuidString).txt")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: NPSimProcess.binary)
        process.arguments = ["serve", "--help"]
        process.standardOutput = try FileHandle(forWritingTo: output)
        try process.run()
        try await eventually("npsim serve --help exited") { !process.isRunning }
        // Each option starts a line with two spaces and its flag; its description continues on indented lines.
        var options: [(flag: String, text: String)] = []
        for line in try String(contentsOf: output, encoding: .utf8).split(separator: "\n") {
            if line.hasPrefix("  --") {
                let flag = line.dropFirst(4).prefix { !$0.isWhitespace }
                options.append((String(flag), String(line.dropFirst(4 + flag.count))))
            } else if line.hasPrefix("      "), !options.isEmpty {
                options[options.count - 1].text += " " + line
            }
        }
        var stated: [String: String] = [:]
        let pattern = try Regex(#"\[default ([^\]:][^\]]*)\]"#)
        for option in options {
            let text = option.text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            if let match = text.firstMatch(of: pattern), let value = match.output[1].substring { stated[option.flag] = String(value) }
        }
        #expect(options.count > 30, "the help lists every option: \(options.map(\.flag))")
        let applied = Self.applied
        for (flag, value) in applied {
            #expect(stated[flag] == value, "--help says --\(flag) defaults to \(stated[flag] ?? "nothing"); the server applies \(value)")
        }
        // A new flag with a stated default must join the table above.
        let unchecked = Set(stated.keys).subtracting(applied.keys).subtracting(["github-app-id", "log-format"])
        #expect(unchecked.isEmpty, "defaults in --help that no test compares with the code: \(unchecked.sorted())")

        let docs = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        for (flag, value) in applied {
            let row = docs.split(separator: "\n").first { $0.hasPrefix("| `--\(flag)`") || $0.hasPrefix("| `--\(flag) ") }
            let cells = row?.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
            #expect(cells.count > 2 && cells[2] == "`\(value)`", "docs/configuration.md: --\(flag) should default to `\(value)`: \(row ?? "no row")")
        }
    }
}
