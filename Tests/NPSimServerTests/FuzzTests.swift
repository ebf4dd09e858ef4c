import Foundation
import NPSimCore
import Testing

@Suite struct FuzzTests {
    /// schemathesis generates requests from `/_npsim/openapi.json` (valid, invalid and stateful sequences) and
    /// checks that none is answered with a 5xx.
    @Test func generatedRequestsNeverGetAServerError() async throws {
        try await withServer(auth: false) { api in
            let port = try #require(api.client.port)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            // One worker: with two, hypothesis parses lambda sources from two threads at once, which CPython 3.11
            // sometimes fails with "AST constructor recursion depth mismatch" (seen once in five full runs here).
            process.arguments = [
                "python3", "-m", "schemathesis.cli", "run", "http://127.0.0.1:\(port)/_npsim/openapi.json",
                "--checks", "not_a_server_error", "--max-examples", "15", "--workers", "1", "--seed", "1",
            ]
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-fuzz-\(UUID().uuidString).log")
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: output) }
            let handle = try FileHandle(forWritingTo: output)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            try await exited(process, within: .seconds(300))
            let text = try String(contentsOf: output, encoding: .utf8)
            if text.contains("No module named") {
                Issue.record("schemathesis is missing: pip install schemathesis (./scripts/setup does)")
                return
            }
            // schemathesis ends with pages of advice: show its failures and errors first when there are any.
            let report = ["FAILURES", "ERRORS"].compactMap { text.range(of: $0).map { String(text[$0.lowerBound...].prefix(4000)) } }.first
            #expect(process.terminationStatus == 0, "\(report ?? String(text.suffix(3000)))")
            let generated = text.range(of: #"(\d+) generated"#, options: .regularExpression).map { Int(text[$0].split(separator: " ")[0]) ?? 0 } ?? 0
            #expect(generated >= 1000, "schemathesis generated only \(generated) requests")
        }
    }
}
