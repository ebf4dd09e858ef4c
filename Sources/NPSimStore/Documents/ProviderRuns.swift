import Foundation
import GRDB
import NPSimCore

/// Runs the provider stand-ins accepted: one row per GitHub dispatch, GitLab pipeline or Azure run. A run whose
/// resource is mapped to a local checkout is executed, and its row then carries the outcome and the log.
public enum ProviderRuns {
    public struct Run: Sendable {
        public let id: Int
        public let provider: String
        public let resource: String
        public let ref: String
        /// The provider's own status word (`queued`/`completed` on GitHub, `created`/`success` on GitLab, ...).
        public let status: String
        /// GitHub's `conclusion` or Azure's `result` once the run ended; `nil` while it runs or when nothing runs it.
        public let conclusion: String?
        public let request: JSONValue
        public let createdAt: String
        public let checkout: String?
        public let exitCode: Int?
        public let log: String?
        public let startedAt: String?
        public let finishedAt: String?

        /// The row for lists; `withLog` adds the log, which can be long.
        public func json(withLog: Bool = false) -> JSONValue {
            var object: JSONObject = [
                "id": .int(id), "provider": .string(provider), "resource": .string(resource), "ref": .string(ref), "status": .string(status),
                "conclusion": conclusion.map(JSONValue.string) ?? .null, "request": request, "created_at": .string(createdAt),
                "local": .bool(checkout != nil),
            ]
            if let checkout { object["checkout"] = .string(checkout) }
            if let exitCode { object["exit_code"] = .int(exitCode) }
            if let startedAt { object["started_at"] = .string(startedAt) }
            if let finishedAt { object["finished_at"] = .string(finishedAt) }
            if withLog { object["log"] = log.map(JSONValue.string) ?? .null }
            return .object(object)
        }

        init(row: Row) throws {
            id = row["id"]
            provider = row["provider"]
            resource = row["resource"]
            ref = row["ref"]
            status = row["status"]
            conclusion = row["conclusion"]
            request = try JSONParser.parse(row["request"] as String)
            createdAt = row["created_at"]
            checkout = row["checkout"]
            exitCode = row["exit_code"]
            log = row["log"]
            startedAt = row["started_at"]
            finishedAt = row["finished_at"]
        }
    }

    public static func insert(
        provider: String,
        resource: String,
        ref: String,
        status: String,
        request: JSONValue,
        checkout: String? = nil,
        in db: Database
    ) throws -> Run {
        try db.run(
            sql: "INSERT INTO provider_run (provider, resource, ref, status, request, created_at, checkout) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [provider, resource, ref, status, JSONWriter.string(request), ISO8601.string(from: Date()), checkout]
        )
        guard let run = try get(Int(db.lastInsertedRowID), in: db) else {
            throw APIError.unavailable("the provider run just stored cannot be read back; the database may be corrupt")
        }
        return run
    }

    static func get(_ id: Int, in db: Database) throws -> Run? {
        try Row.cachedOne(db, sql: "SELECT * FROM provider_run WHERE id = ?", arguments: [id]).map(Run.init(row:))
    }

    /// A local run started.
    static func start(_ id: Int, status: String, in db: Database) throws {
        try db.run(
            sql: "UPDATE provider_run SET status = ?, started_at = ? WHERE id = ?",
            arguments: [status, ISO8601.string(from: Date()), id]
        )
    }

    /// A local run ended.
    static func finish(_ id: Int, status: String, conclusion: String?, exitCode: Int?, log: String, in db: Database) throws {
        try db.run(
            sql: "UPDATE provider_run SET status = ?, conclusion = ?, exit_code = ?, log = ?, finished_at = ? WHERE id = ?",
            arguments: [status, conclusion, exitCode, log, ISO8601.string(from: Date()), id]
        )
    }

    /// Local runs that never finished: npsim stopped while they were queued or running.
    static func unfinishedLocal(in db: Database) throws -> [Run] {
        try Row.fetchAll(db, sql: "SELECT * FROM provider_run WHERE checkout IS NOT NULL AND finished_at IS NULL ORDER BY id")
            .map(Run.init(row:))
    }

    static func list(provider: String?, resource: String?, limit: Int, offset: Int, in db: Database) throws -> (runs: [Run], total: Int) {
        var filter = SQLFilter()
        filter.equals("provider", provider)
        filter.equals("resource", resource)
        // Lists never show logs, which can be megabytes each: they are read only by `get`.
        let columns = "id, provider, resource, ref, status, conclusion, request, created_at, checkout, exit_code, started_at, finished_at"
        let (rows, total) = try filter.page(from: "provider_run", columns: columns, order: "id DESC", limit: limit, offset: offset, in: db)
        return (try rows.map(Run.init(row:)), total)
    }
}

/// The provider runs' named operations: the stand-ins record what they accept, local runs their progress, and the
/// API and dashboard read them.
extension AppDatabase {
    public func recordProviderRun(
        provider: String,
        resource: String,
        ref: String,
        status: String,
        request: JSONValue,
        checkout: String?
    )
        async throws -> ProviderRuns.Run
    {
        try await writer.write { db in
            try ProviderRuns.insert(provider: provider, resource: resource, ref: ref, status: status, request: request, checkout: checkout, in: db)
        }
    }

    public func providerRun(_ id: Int) async throws -> ProviderRuns.Run? {
        try await writer.read { db in try ProviderRuns.get(id, in: db) }
    }

    public func providerRuns(provider: String?, resource: String?, limit: Int, offset: Int) async throws -> (runs: [ProviderRuns.Run], total: Int) {
        try await writer.read { db in try ProviderRuns.list(provider: provider, resource: resource, limit: limit, offset: offset, in: db) }
    }

    /// Local runs a stopped npsim left unfinished.
    public func unfinishedLocalRuns() async throws -> [ProviderRuns.Run] {
        try await writer.read { db in try ProviderRuns.unfinishedLocal(in: db) }
    }

    public func startProviderRun(_ id: Int, status: String) async throws {
        try await writer.write { db in try ProviderRuns.start(id, status: status, in: db) }
    }

    public func finishProviderRun(_ id: Int, status: String, conclusion: String?, exitCode: Int?, log: String) async throws {
        try await writer.write { db in try ProviderRuns.finish(id, status: status, conclusion: conclusion, exitCode: exitCode, log: log, in: db) }
    }
}
