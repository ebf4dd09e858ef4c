import Foundation
import NPSimCore

/// An `np` command that is one API call: its words, the call, and which flags fill the path, the query and the
/// body. The flags are those of nullplatform's CLI (`--serviceId`, `--include_secret_attributes`), so a runner's
/// command line works unchanged; a flag the command does not take is refused, as the real CLI refuses it.
struct RESTCommand: Sendable {
    let words: [String]
    let method: String
    /// A path with `{flag}` placeholders filled from required flags.
    let path: String
    let query: [String]
    let booleans: [String]
    let body: Bool

    init(_ words: String, _ method: String, _ path: String, query: [String] = [], booleans: [String] = [], body: Bool = false) {
        self.words = words.split(separator: " ").map(String.init)
        self.method = method
        self.path = path
        self.query = query
        self.booleans = booleans
        self.body = body
    }

    var pathFlags: [String] {
        path.split(separator: "{").dropFirst().compactMap { $0.split(separator: "}").first.map(String.init) }
    }

    var flags: [String] { pathFlags + query + booleans + (body ? ["body"] : []) }

    func run(_ arguments: NPArguments) async throws {
        var resolved = path
        for flag in pathFlags {
            let value = try arguments.required(flag)
            resolved = resolved.replacingOccurrences(of: "{\(flag)}", with: value.addingPercentEncoding(withAllowedCharacters: .npPathValue) ?? value)
        }
        var pairs: [(String, String)] = query.compactMap { name in arguments.flags[name].map { (name, $0) } }
        for name in booleans where try arguments.bool(name) { pairs.append((name, "true")) }
        if !pairs.isEmpty { resolved += "?" + FormEncoding.encode(pairs) }
        let payload = body ? try Self.body(arguments.required("body")) : nil
        let session = try await NPSession.open(arguments)
        try NPOutput.print(try await session.call(method, resolved, payload), arguments)
    }

    /// `--body` is JSON text or the path of a file that holds it, as nullplatform's CLI accepts both.
    static func body(_ text: String) throws -> JSONValue {
        if let value = try? JSONParser.parse(text) { return value }
        guard FileManager.default.fileExists(atPath: text) else {
            throw NPFailure.usage("--body is neither JSON nor the path of a file: \(text.prefix(80))")
        }
        guard let data = FileManager.default.contents(atPath: text), let value = try? JSONParser.parse(Array(data)) else {
            throw NPFailure.usage("--body file \(text) does not hold JSON")
        }
        return value
    }
}

extension CharacterSet {
    /// What an id may carry unescaped in a path segment; an NRN's `=` and `:` stay as they are (`/nrn/{nrn}`).
    static let npPathValue = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~=:"))
}

extension RESTCommand {
    private static let page = ["limit", "offset"]

    /// The commands runners and their install scripts call, mapped to npsim's API.
    static let all: [RESTCommand] = [
        RESTCommand(
            "service list",
            "GET",
            "/service",
            query: ["nrn", "entity_nrn", "id", "specification_id", "status", "type"] + page,
            booleans: ["include_messages", "include_secret_attributes"]
        ),
        RESTCommand("service read", "GET", "/service/{id}", query: ["include"], booleans: ["include_secret_attributes"]),
        RESTCommand("service create", "POST", "/service", body: true),
        RESTCommand("service patch", "PATCH", "/service/{id}", body: true),
        RESTCommand("service delete", "DELETE", "/service/{id}", booleans: ["force"]),
        RESTCommand(
            "service action list",
            "GET",
            "/service/{serviceId}/action",
            query: ["id", "nrn", "status"] + page,
            booleans: ["include_messages"]
        ),
        RESTCommand("service action read", "GET", "/service/{serviceId}/action/{id}", query: ["include"]),
        RESTCommand("service action create", "POST", "/service/{serviceId}/action", body: true),
        RESTCommand("service action patch", "PATCH", "/service/{serviceId}/action/{id}", body: true),
        RESTCommand("service specification list", "GET", "/service_specification", query: ["id", "nrn", "type", "slug"] + page),
        RESTCommand("service specification read", "GET", "/service_specification/{id}", query: ["include"]),
        RESTCommand("service specification create", "POST", "/service_specification", body: true),
        RESTCommand("service specification patch", "PATCH", "/service_specification/{id}", body: true),
        RESTCommand("service specification delete", "DELETE", "/service_specification/{id}"),
        RESTCommand(
            "service specification action specification list",
            "GET",
            "/service_specification/{serviceSpecificationId}/action_specification",
            query: ["id", "nrn", "type"] + page
        ),
        RESTCommand(
            "service specification action specification read",
            "GET",
            "/service_specification/{serviceSpecificationId}/action_specification/{id}"
        ),
        RESTCommand(
            "service specification action specification create",
            "POST",
            "/service_specification/{serviceSpecificationId}/action_specification",
            body: true
        ),
        RESTCommand(
            "service specification action specification patch",
            "PATCH",
            "/service_specification/{serviceSpecificationId}/action_specification/{id}",
            body: true
        ),
        RESTCommand(
            "service specification action specification delete",
            "DELETE",
            "/service_specification/{serviceSpecificationId}/action_specification/{id}"
        ),
        RESTCommand("service specification link specification list", "GET", "/service_specification/{id}/link_specification", query: page),
        RESTCommand(
            "link list",
            "GET",
            "/link",
            query: ["nrn", "service_id", "status", "id"] + page,
            booleans: ["show_descendants", "include_messages", "include_secret_attributes"]
        ),
        RESTCommand("link read", "GET", "/link/{id}", query: ["include"], booleans: ["include_secret_attributes"]),
        RESTCommand("link create", "POST", "/link", body: true),
        RESTCommand("link patch", "PATCH", "/link/{id}", body: true),
        RESTCommand("link delete", "DELETE", "/link/{id}", booleans: ["force"]),
        RESTCommand("link action list", "GET", "/link/{linkId}/action", query: ["id", "nrn", "status"] + page, booleans: ["include_messages"]),
        RESTCommand("link action read", "GET", "/link/{linkId}/action/{id}", query: ["include"]),
        RESTCommand("link action create", "POST", "/link/{linkId}/action", body: true),
        RESTCommand("link action patch", "PATCH", "/link/{linkId}/action/{id}", body: true),
        RESTCommand("link specification list", "GET", "/link_specification", query: ["id", "nrn", "specification_id"] + page),
        RESTCommand("link specification read", "GET", "/link_specification/{id}", query: ["include"]),
        RESTCommand("link specification create", "POST", "/link_specification", body: true),
        RESTCommand("link specification patch", "PATCH", "/link_specification/{id}", body: true),
        RESTCommand("link specification delete", "DELETE", "/link_specification/{id}"),
        RESTCommand(
            "link specification action specification list",
            "GET",
            "/link_specification/{linkSpecificationId}/action_specification",
            query: ["id", "nrn", "type"] + page
        ),
        RESTCommand(
            "link specification action specification create",
            "POST",
            "/link_specification/{linkSpecificationId}/action_specification",
            body: true
        ),
        RESTCommand("provider read", "GET", "/provider/{id}", query: ["include"], booleans: ["no_merge"]),
        RESTCommand("provider create", "POST", "/provider", body: true),
        RESTCommand("provider patch", "PATCH", "/provider/{id}", body: true),
        RESTCommand("provider update", "PUT", "/provider/{id}", body: true),
        RESTCommand("provider delete", "DELETE", "/provider/{id}"),
        RESTCommand("provider category list", "GET", "/category", query: ["slug", "type", "include"] + page),
        RESTCommand("provider category read", "GET", "/category/{id}", query: ["include"]),
        RESTCommand("provider specification list", "GET", "/provider_specification", query: ["nrn", "category", "name", "slug"] + page),
        RESTCommand("provider specification read", "GET", "/provider_specification/{id}", query: ["include"]),
        RESTCommand("nrn read", "GET", "/nrn/{nrn}", query: ["ids", "profile", "include"], booleans: ["no-merge", "output_json_values"]),
        RESTCommand("nrn patch", "PATCH", "/nrn/{nrn}", body: true),
        RESTCommand("notification channel create", "POST", "/notification/channel", body: true),
        RESTCommand(
            "notification channel list",
            "GET",
            "/notification/channel",
            query: ["nrn", "type", "status"] + page,
            booleans: ["showDescendants"]
        ),
        RESTCommand("notification channel read", "GET", "/notification/channel/{id}"),
        RESTCommand("notification channel patch", "PATCH", "/notification/channel/{id}", body: true),
        RESTCommand("notification channel delete", "DELETE", "/notification/channel/{id}"),
        RESTCommand("scope list", "GET", "/scope", query: ["nrn", "application_id", "slug"] + page),
        RESTCommand("scope read", "GET", "/scope/{id}", query: ["include"]),
        RESTCommand("scope patch", "PATCH", "/scope/{id}", body: true),
    ]
}
