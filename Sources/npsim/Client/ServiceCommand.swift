import ArgumentParser
import Foundation
import NPSimCore

/// `npsim service create|list|show`.
struct ServiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service",
        abstract: "Create, list and show services.",
        subcommands: [Create.self, List.self, Show.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create a service (then run its create action with 'npsim action run')."
        )

        @OptionGroup var client: ClientOptions
        @Option(help: "The service specification: its id or slug.") var spec: String
        @Option(help: "The service's name.") var name: String
        @Option(help: "The entity it belongs to, e.g. organization=1:account=2:namespace=3:application=4.") var nrn: String
        @Option(help: "A dimension, key=value; repeatable.") var dimension: [String] = []
        @Option(help: "An attribute, key=value (JSON values keep their type); repeatable.") var attribute: [String] = []
        @Flag(name: .shortAndLong, help: "Print only the new service's id (SID=$(npsim service create -q ...)).") var quiet = false

        func run() async throws {
            let api = try await client.connect()
            let specification = try await Lookup.specification(spec, api: api)
            let service = try await api.call(
                "POST",
                "/service",
                [
                    "name": .string(name), "specification_id": specification, "entity_nrn": .string(nrn),
                    "dimensions": .object(try KeyValues.object(dimension, option: "dimension")),
                    "attributes": .object(try KeyValues.object(attribute, option: "attribute")),
                ]
            )
            if quiet { return Output.line(TextTable.cell(service["id"])) }
            client.print(service) {
                "created service \($0["slug"]?.stringValue ?? name) \(TextTable.cell($0["id"])) (\(TextTable.cell($0["status"])))"
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List services."
        )

        @OptionGroup var client: ClientOptions
        @Option(help: "Only services under this NRN.") var nrn: String?
        @Option(help: "At most this many.") var limit = 50

        func run() async throws {
            client.print(try await client.connect().call("GET", NPSimClient.path("/service", ["limit": String(limit), "nrn": nrn]))) { page in
                var table = TextTable("ID", "NAME", "STATUS", "SPECIFICATION", "ENTITY")
                for service in page["results"]?.arrayValue ?? [] {
                    table.add(
                        TextTable.cell(service["id"]),
                        TextTable.cell(service["name"]),
                        TextTable.cell(service["status"]),
                        TextTable.cell(service["specification_id"]),
                        TextTable.cell(service["entity_nrn"])
                    )
                }
                return table.text
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a service with its actions."
        )

        @OptionGroup var client: ClientOptions
        @Argument(help: "The service id.") var id: String

        func run() async throws {
            let api = try await client.connect()
            let service = try await api.call("GET", "/service/\(id)")
            let actions = try await api.call("GET", "/service/\(id)/action?limit=100")
            client.print(["service": service, "actions": actions["results"] ?? []]) { both in
                var table = TextTable("ACTION", "NAME", "STATUS", "CREATED")
                for action in both["actions"]?.arrayValue ?? [] {
                    table.add(
                        TextTable.cell(action["id"]),
                        TextTable.cell(action["name"]),
                        TextTable.cell(action["status"]),
                        TextTable.cell(action["created_at"])
                    )
                }
                return """
                    \(TextTable.cell(service["name"])) (\(TextTable.cell(service["id"]))): \(TextTable.cell(service["status"]))
                    attributes: \(JSONWriter.string(service["attributes"] ?? [:]))

                    \(table.text)
                    """
            }
        }
    }
}

/// Finds records by slug or name, so commands accept what a person remembers as well as ids.
enum Lookup {
    /// A service specification's id, from its id or slug.
    static func specification(_ reference: String, api: NPSimClient) async throws -> JSONValue {
        let bySlug = try await api.call("GET", NPSimClient.path("/service_specification", ["slug": reference]))
        let page = bySlug["paging"]?["total"] == 0 ? try await api.call("GET", NPSimClient.path("/service_specification", ["id": reference])) : bySlug
        guard let id = page["results"]?.arrayValue?.first?["id"] else {
            throw CommandFailure("no service specification has the id or slug '\(reference)'; GET /service_specification lists them")
        }
        return id
    }

    /// An action specification of the entity's specification, from its id, slug or name.
    static func actionSpecification(_ reference: String, entity: JSONValue, kind: String, api: NPSimClient) async throws -> JSONValue {
        let specificationId = TextTable.cell(entity["specification_id"])
        let parent = kind == "link" ? "link_specification" : "service_specification"
        let page = try await api.call("GET", "/\(parent)/\(specificationId)/action_specification?limit=1000")
        let actions = page["results"]?.arrayValue ?? []
        let match = actions.first {
            $0["id"]?.stringValue == reference || $0["slug"]?.stringValue == reference
                || $0["name"]?.stringValue?.lowercased() == reference.lowercased()
        }
        guard let match else {
            let known = actions.compactMap { $0["slug"]?.stringValue }.joined(separator: ", ")
            throw CommandFailure("the \(kind)'s specification has no action '\(reference)'; its actions are: \(known)")
        }
        return match
    }
}
