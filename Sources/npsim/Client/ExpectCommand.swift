import ArgumentParser
import NPSimCore

/// `npsim expect ...`: waits, server-side, until something a test expects of npsim holds (`POST /_npsim/expect`);
/// exit 0 when it does, 1 with what was observed when it does not.
struct ExpectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expect",
        abstract: "Wait until a service, link, action or the deliveries are as a test expects; exit 1 showing what happened if not.",
        subcommands: [Instance<ServiceKind>.self, Instance<LinkKind>.self, Action.self, Deliveries.self, NothingElse.self]
    )

    /// What every expectation takes: the client, and how long to wait or watch.
    struct Timing: ParsableArguments {
        @OptionGroup var client: ClientOptions

        @Option(help: "Seconds to wait for it to hold.")
        var timeout: Double = 10

        @Option(help: "Instead, seconds during which it must keep holding.")
        var during: Double?

        /// Sends the expectation and reports the outcome.
        func expect(_ condition: JSONObject) async throws {
            var body = condition
            body["timeout"] = .double(timeout)
            if let during { body["during"] = .double(during) }
            let met = try await client.connect().expect(.object(body))
            client.print(met) { "met after \(Int($0["after_ms"]?.doubleValue ?? 0)) ms: \($0["expected"]?.stringValue ?? "")" }
        }
    }

    /// A service or a link: the two are expected alike.
    protocol InstanceKind {
        static var name: String { get }
    }

    enum ServiceKind: InstanceKind { static var name: String { "service" } }
    enum LinkKind: InstanceKind { static var name: String { "link" } }

    struct Instance<Kind: InstanceKind>: AsyncParsableCommand {
        static var configuration: CommandConfiguration {
            CommandConfiguration(commandName: Kind.name, abstract: "A \(Kind.name)'s status and attributes.")
        }

        @OptionGroup var timing: Timing
        @Argument(help: "Its id.") var id: String
        @Option(help: "The status it must have.") var status: String?
        @Option(help: "Attributes it must have, as JSON (those named; others may exist).") var attributes: String?

        func run() async throws {
            var body: JSONObject = [Kind.name: .string(id)]
            if let status { body["status"] = .string(status) }
            if let attributes { body["attributes"] = try ExpectCommand.json(attributes, option: "--attributes") }
            try await timing.expect(body)
        }
    }

    struct Action: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "action", abstract: "An action's status, results and messages.")
        @OptionGroup var timing: Timing
        @Argument(help: "The action's id.") var id: String
        @Option(help: "The status it must have.") var status: String?
        @Option(help: "Results it must have, as JSON (those named; others may exist).") var results: String?
        @Option(help: "Text one of its messages must contain (repeat for several).") var message: [String] = []

        func run() async throws {
            var body: JSONObject = ["action": .string(id)]
            if let status { body["status"] = .string(status) }
            if let results { body["results"] = try ExpectCommand.json(results, option: "--results") }
            if !message.isEmpty { body["messages"] = .array(message.map(JSONValue.string)) }
            try await timing.expect(body)
        }
    }

    struct Deliveries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "deliveries", abstract: "Exactly N deliveries of an action's notifications.")
        @OptionGroup var timing: Timing
        @Option(help: "The action whose notifications are delivered.") var action: String
        @Option(help: "Only deliveries to this channel.") var channel: Int?
        @Option(help: "Only deliveries with this status (pending, in_flight, delivered, failed, dead).") var status: String?
        @Option(help: "How many there must be.") var count: Int

        func run() async throws {
            var of: JSONObject = ["action": .string(action)]
            if let channel { of["channel"] = .int(channel) }
            if let status { of["status"] = .string(status) }
            try await timing.expect(["deliveries": .object(of), "count": .int(count)])
        }
    }

    struct NothingElse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "nothing-else",
            abstract: "No action but the given ones, and no delivery of another, exists (use --during to watch for a while)."
        )
        @OptionGroup var timing: Timing
        @Option(help: "Only at this NRN or under it.") var nrn: String?
        @Option(help: "An action that is expected (repeat for several).") var action: [String] = []

        func run() async throws {
            var of: JSONObject = ["actions": .array(action.map(JSONValue.string))]
            if let nrn { of["nrn"] = .string(nrn) }
            try await timing.expect(["nothing_else": .object(of)])
        }
    }

    static func json(_ text: String, option: String) throws -> JSONValue {
        do { return try JSONParser.parse(text) } catch { throw ValidationError("\(option) must be JSON: \(error)") }
    }
}
