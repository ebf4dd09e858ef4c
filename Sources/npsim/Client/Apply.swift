import ArgumentParser
import NPSimCore
import NPSimServer

/// `npsim apply PATH...`: loads specifications, channels, services and links from fixture files (JSON or YAML,
/// the format of `fixtures/`) into a running server. Records that already exist are left alone.
struct Apply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Load specifications, channels, services and links from JSON or YAML files into a running npsim.",
        aliases: ["seed"]
    )

    @OptionGroup var client: ClientOptions

    @Argument(help: "Fixture files or directories.")
    var paths: [String]

    func run() async throws {
        let fixtures = try paths.flatMap { try FixtureLoader.load(directory: $0) }
        guard !fixtures.isEmpty else { throw ValidationError("no .json, .yaml or .yml files in \(paths.joined(separator: ", "))") }
        let reply = try await client.connect().call("POST", "/_npsim/seed", .array(fixtures.map(\.document)))
        client.print(reply) { reply in
            let created = (reply["created"]?.objectValue ?? JSONObject()).map { "\($0.value.intValue ?? 0) \($0.key)" }
            return "applied \(fixtures.count) file(s) to \(client.resolvedURL): "
                + (created.isEmpty ? "nothing new" : "created " + created.joined(separator: ", "))
        }
    }
}
