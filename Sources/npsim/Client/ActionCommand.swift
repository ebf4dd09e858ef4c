import ArgumentParser
import NPSimCore

/// `npsim action run|wait|list`: run an action on a service or link and follow it to its end.
struct ActionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "action",
        abstract: "Run actions on services and links, and wait for them.",
        subcommands: [Run.self, Wait.self, List.self, Journal.self]
    )

    /// Which entity an action belongs to.
    struct Target: ParsableArguments {
        @Argument(help: "The service id (or link id with --link).") var entity: String
        @Flag(help: "The id is a link's.") var link = false

        var kind: String { link ? "link" : "service" }
        var base: String { "/\(kind)/\(entity)/action" }
    }

    /// How long to follow, and how to end.
    struct Waiting: ParsableArguments {
        @Option(help: "Seconds to wait for the action to end.") var timeout: Double = 300

        /// Follows the action; throws exit code 1 when it failed, so scripts can `&&`.
        func follow(_ path: String, api: NPSimClient, client: ClientOptions) async throws {
            let action = try await ActionProgress(api: api, path: path, timeout: .seconds(clamping: timeout)) { line in
                if !client.json { Output.line(line) }
            }.wait()
            client.print(action) { action in "results: \(JSONWriter.string(action["results"] ?? [:]))" }
            if action["status"] != "success" { throw ExitCode(1) }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run an action and wait for it, showing the runner's messages; exits 1 when it fails."
        )

        @OptionGroup var client: ClientOptions
        @OptionGroup var target: Target
        @Option(help: "The action specification: its id, slug or name (create-mysql, \"Get Credentials\").") var action: String
        @Option(help: "A parameter, key=value (JSON values keep their type); repeatable.") var param: [String] = []
        @Flag(help: "Return once the action is created.") var noWait = false
        @OptionGroup var waiting: Waiting

        func run() async throws {
            let api = try await client.connect()
            let entity = try await api.call("GET", "/\(target.kind)/\(target.entity)")
            let specification = try await Lookup.actionSpecification(action, entity: entity, kind: target.kind, api: api)
            let created = try await api.call(
                "POST",
                target.base,
                [
                    "specification_id": specification["id"] ?? .null,
                    "parameters": .object(try KeyValues.object(param, option: "param", schema: specification["parameters"]?["schema"])),
                ]
            )
            let id = TextTable.cell(created["id"])
            if noWait {
                client.print(created) { _ in id }
                return
            }
            if !client.json { Output.line("action \(TextTable.cell(created["name"])) \(id) on \(target.kind) \(target.entity)") }
            try await waiting.follow("\(target.base)/\(id)", api: api, client: client)
        }
    }

    struct Wait: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "wait",
            abstract: "Wait for an action to end, showing its progress; exits 1 when it fails."
        )

        @OptionGroup var client: ClientOptions
        @OptionGroup var target: Target
        @Argument(help: "The action id.") var actionId: String
        @OptionGroup var waiting: Waiting

        func run() async throws {
            try await waiting.follow("\(target.base)/\(actionId)", api: try await client.connect(), client: client)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the actions of a service or link."
        )

        @OptionGroup var client: ClientOptions
        @OptionGroup var target: Target

        func run() async throws {
            client.print(try await client.connect().call("GET", target.base + "?limit=100")) { page in
                var table = TextTable("ID", "NAME", "TYPE", "STATUS", "CREATED")
                for action in page["results"]?.arrayValue ?? [] {
                    table.add(
                        TextTable.cell(action["id"]),
                        TextTable.cell(action["name"]),
                        TextTable.cell(action["type"]),
                        TextTable.cell(action["status"]),
                        TextTable.cell(action["created_at"])
                    )
                }
                return table.text
            }
        }
    }

    struct Journal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "journal",
            abstract: "Show an action's whole chain: its creation, notifications, delivery attempts and the runner's reports."
        )

        @OptionGroup var client: ClientOptions
        @Argument(help: "The action id.") var actionId: String

        func run() async throws {
            client.print(try await client.connect().call("GET", "/_npsim/actions/\(actionId)/journal")) { journal in
                var table = TextTable("AT", "EVENT", "WHAT")
                for event in journal["events"]?.arrayValue ?? [] {
                    table.add(TextTable.cell(event["at"]), TextTable.cell(event["event"]), JournalLine.describe(event))
                }
                return table.text
            }
        }
    }
}
