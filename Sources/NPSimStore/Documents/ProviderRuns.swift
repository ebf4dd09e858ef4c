import Foundation
import GRDB
import NPSimCore

/// Runs the provider stand-ins accepted: one row per GitHub dispatch, GitLab pipeline or Azure run.
public enum ProviderRuns {
    public struct Run: Sendable {
        public let id: Int
        public let provider: String
        public let resource: String
        public let ref: String
        public let status: String
        public let request: JSONValue
        public let createdAt: String

        public var json: JSONValue {
            [
                "id": .int(id), "provider": .string(provider), "resource": .string(resource), "ref": .string(ref), "status": .string(status),
                "request": request, "created_at": .string(createdAt),
            ]
        }
    }

    public static func insert(provider: String, resource: String, ref: String, status: String, request: JSONValue, in db: Database) throws -> Run {
        let createdAt = ISO8601.string(from: Date())
        try db.run(
            sql: "INSERT INTO provider_run (provider, resource, ref, status, request, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [provider, resource, ref, status, JSONWriter.string(request), createdAt]
        )
        return Run(
            id: Int(db.lastInsertedRowID),
            provider: provider,
            resource: resource,
            ref: ref,
            status: status,
            request: request,
            createdAt: createdAt
        )
    }

    public static func list(provider: String?, resource: String?, limit: Int, offset: Int, in db: Database) throws -> (runs: [Run], total: Int) {
        var filter = SQLFilter()
        filter.equals("provider", provider)
        filter.equals("resource", resource)
        let (rows, total) = try filter.page(from: "provider_run", order: "id DESC", limit: limit, offset: offset, in: db)
        return (
            try rows.map { row in
                Run(
                    id: row["id"],
                    provider: row["provider"],
                    resource: row["resource"],
                    ref: row["ref"],
                    status: row["status"],
                    request: try JSONParser.parse(row["request"] as String),
                    createdAt: row["created_at"]
                )
            }, total
        )
    }
}
