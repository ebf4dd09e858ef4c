import ArgumentParser
import Foundation

/// `npsim test FILE...`: runs scenario files against a running npsim, each scenario isolated, printing progress;
/// exits 1 when one failed, and writes JUnit XML and TAP when asked.
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run scenario files (YAML or JSON) against a running npsim; exit 1 if one fails."
    )

    @OptionGroup var client: ClientOptions

    @Argument(help: "Scenario files.")
    var files: [String]

    @Option(help: "Write the results as JUnit XML to this file.")
    var junit: String?

    @Option(help: "Write the results as TAP to this file.")
    var tap: String?

    func run() async throws {
        let loaded = try files.map { (path: $0, scenarios: try Scenario.load(file: $0)) }
        let runner = ScenarioRunner(api: try await client.connect())
        var reports: [TestReport.File] = []
        for file in loaded {
            var outcomes: [ScenarioRunner.Outcome] = []
            for scenario in file.scenarios {
                Output.line("▶ \(file.path): \(scenario.name)")
                let outcome = await runner.run(scenario) { Output.line($0) }
                Output.line(outcome.failure == nil ? "✓ passed in \(String(format: "%.2f", outcome.seconds)) s" : "✗ failed")
                outcomes.append(outcome)
            }
            reports.append(TestReport.File(path: file.path, outcomes: outcomes))
        }
        if let junit { try TestReport.junit(reports).write(toFile: junit, atomically: true, encoding: .utf8) }
        if let tap { try TestReport.tap(reports).write(toFile: tap, atomically: true, encoding: .utf8) }
        let all = reports.flatMap(\.outcomes)
        let failed = all.filter { $0.failure != nil }
        Output.line("\(all.count - failed.count) of \(all.count) scenarios passed")
        if !failed.isEmpty { throw CommandFailure("\(failed.count) scenario(s) failed: \(failed.map(\.name).joined(separator: ", "))") }
    }
}
