import Foundation
import NPSimCore

/// `np provider list`. With `--categories`, it resolves as nullplatform's CLI does: each category by slug
/// (`GET /category`), its provider specifications (`GET /provider_specification`), the providers of those
/// specifications at the NRN or above it for the given dimensions, nearest first (`GET /provider`), and each one
/// read with its attributes merged up the NRN (`GET /provider/{id}`).
enum ProviderList {
    /// Without `--categories`, one `GET /provider` with the flags as its query.
    static let plain = RESTCommand(
        "provider list",
        "GET",
        "/provider",
        query: ["nrn", "dimensions", "id", "include", "specification", "specification_id", "specification_slug", "limit", "offset"],
        booleans: ["show_ascendants", "show_descendants"]
    )
    static let flags = plain.flags + ["categories"]
    static let booleans = Set(plain.booleans)

    static func run(_ arguments: NPArguments) async throws {
        guard let categories = arguments.flags["categories"] else { return try await plain.run(arguments) }
        let session = try await NPSession.open(arguments)
        if arguments.flags["limit"] != nil { throw NPFailure.usage("--limit cannot be used with --categories") }
        let results = try await resolve(
            session,
            nrn: try arguments.required("nrn"),
            categories: categories.split(separator: ",").map(String.init),
            dimensions: arguments.flags["dimensions"]
        )
        try NPOutput.print(
            ["paging": ["offset": 0, "limit": .int(results.count), "total": .int(results.count)], "results": .array(results)],
            arguments
        )
    }

    /// The providers of `categories` that apply at `nrn` for `dimensions` (`key:value,...`), nearest and most
    /// specific first, each with its merged attributes.
    static func resolve(_ session: NPSession, nrn: String, categories: [String], dimensions: String?) async throws -> [JSONValue] {
        var results: [JSONValue] = []
        for slug in categories {
            let found = try await session.call("GET", "/category?" + FormEncoding.encode([("slug", slug)]))
            guard let category = found["results"]?.arrayValue?.first, let categoryId = category["id"]?.stringValue else {
                throw NPFailure.failed("provider category '\(slug)' does not exist")
            }
            let specifications = try await session.call(
                "GET",
                "/provider_specification?" + FormEncoding.encode([("category", categoryId), ("limit", "1000")])
            )
            let ids = (specifications["results"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
            guard !ids.isEmpty else { continue }
            var query = [("nrn", nrn), ("show_ascendants", "true"), ("specification_id", ids.joined(separator: ",")), ("limit", "1000")]
            if let dimensions { query.append(("dimensions", dimensions)) }
            let providers = try await session.call("GET", "/provider?" + FormEncoding.encode(query))
            for provider in providers["results"]?.arrayValue ?? [] {
                guard let id = provider["id"]?.stringValue else { continue }
                results.append(try await session.call("GET", "/provider/\(id)"))
            }
        }
        return results
    }
}
