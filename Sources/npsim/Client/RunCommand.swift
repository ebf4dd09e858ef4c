import ArgumentParser
import NPSimCore

/// `npsim runs list|show`: the runs the GitHub, GitLab and Azure stand-ins accepted, with local runs' logs.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List and show the provider stand-ins' runs (and the logs of local runs).",
        subcommands: [List.self, Show.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List provider runs, newest first."
        )

        @OptionGroup var client: ClientOptions
        @Option(help: "github, gitlab or azure.") var provider: String?
        @Option(help: "At most this many.") var limit = 50

        func run() async throws {
            let path = NPSimClient.path("/_npsim/providers/runs", ["limit": String(limit), "provider": provider])
            client.print(try await client.connect().call("GET", path)) { page in
                var table = TextTable("ID", "PROVIDER", "RESOURCE", "REF", "STATUS", "CONCLUSION", "LOCAL", "CREATED")
                for run in page["results"]?.arrayValue ?? [] {
                    table.add(
                        TextTable.cell(run["id"]),
                        TextTable.cell(run["provider"]),
                        TextTable.cell(run["resource"]),
                        TextTable.cell(run["ref"]),
                        TextTable.cell(run["status"]),
                        TextTable.cell(run["conclusion"]),
                        run["local"] == true ? "yes" : "no",
                        TextTable.cell(run["created_at"])
                    )
                }
                return table.text
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a provider run and the log of a local run."
        )

        @OptionGroup var client: ClientOptions
        @Argument(help: "The run id.") var id: Int

        func run() async throws {
            client.print(try await client.connect().call("GET", "/_npsim/providers/runs/\(id)")) { run in
                """
                \(TextTable.cell(run["provider"])) run \(id) of \(TextTable.cell(run["resource"])) at \(TextTable.cell(run["ref"])): \
                \(TextTable.cell(run["status"])) \(TextTable.cell(run["conclusion"])) (exit code \(TextTable.cell(run["exit_code"])))
                \(run["log"]?.stringValue ?? "(no log: the resource is not mapped to a local checkout)")
                """
            }
        }
    }
}
