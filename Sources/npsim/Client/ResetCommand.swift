import ArgumentParser
import NPSimCore

/// `npsim reset`: isolates the next test without a restart (see `POST /_npsim/reset`).
struct ResetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Remove services, links, actions, notifications, deliveries and runs; keep keys, settings, specifications and channels."
    )

    @OptionGroup var client: ClientOptions

    @Option(help: "Only records at this NRN or under it (a test's own namespace).")
    var nrn: String?

    @Flag(help: "Apply the server's --seed fixtures again afterwards.")
    var keepFixtures = false

    func run() async throws {
        var body: JSONObject = ["keep_fixtures": .bool(keepFixtures)]
        if let nrn { body["nrn"] = .string(nrn) }
        let reply = try await client.connect().call("POST", "/_npsim/reset", .object(body))
        client.print(reply) { reply in
            let removed = (reply["removed"]?.objectValue ?? JSONObject()).map {
                "\($0.value.intValue ?? 0) \($0.key.replacingOccurrences(of: "_", with: " "))"
            }
            let scope = nrn.map { " under \($0)" } ?? ""
            return "removed\(scope): " + removed.joined(separator: ", ")
                + (keepFixtures ? "; fixtures applied again" : "")
        }
    }
}
