import GRDB
import NPSimCore

/// Configured providers (`/provider`), each stored at an NRN for a specification of `ProviderCatalog`: the named
/// operations the API and fixtures use. A provider outside the caller's organization is a 404, as an absent one.
extension AppDatabase {
    /// The providers the caller may see, oldest first; `/provider`'s filters apply to these few records.
    public func providers(for tenancy: Tenancy) async throws -> [ProviderRecord] {
        try await writer.read { db in try Providers.all(in: db) }.filter { tenancy.admits(nrn: $0.nrn.description) }
    }

    /// One provider, with its attributes merged up the NRN unless `merged` is false.
    public func provider(id: String, merged: Bool, for tenancy: Tenancy) async throws -> (ProviderRecord, JSONObject) {
        try await writer.read { db in
            let provider = try Providers.require(id: id, for: tenancy, in: db)
            return (provider, merged ? try Providers.mergedAttributes(of: provider, in: db) : provider.attributes)
        }
    }

    /// Stores a new provider; `false`, storing nothing, when its id exists already (fixtures load again).
    @discardableResult
    public func addProvider(_ provider: ProviderRecord) async throws -> Bool {
        try await writer.write { db in
            guard try Providers.find(id: provider.id, in: db) == nil else { return false }
            try Providers.save(provider, in: db)
            return true
        }
    }

    /// Changes a provider in one transaction and returns it as stored.
    public func changeProvider(
        id: String,
        for tenancy: Tenancy,
        _ change: @escaping @Sendable (inout ProviderRecord) throws -> Void
    ) async throws -> ProviderRecord {
        try await writer.write { db in
            var provider = try Providers.require(id: id, for: tenancy, in: db)
            try change(&provider)
            try Providers.save(provider, in: db)
            return provider
        }
    }

    public func deleteProvider(id: String, for tenancy: Tenancy) async throws {
        try await writer.write { db in
            _ = try Providers.require(id: id, for: tenancy, in: db)
            try db.execute(sql: "DELETE FROM provider WHERE id = ?", arguments: [id])
        }
    }
}

enum Providers {
    static func save(_ provider: ProviderRecord, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO provider (id, nrn, specification_id, dimensions, attributes, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET nrn = excluded.nrn, specification_id = excluded.specification_id,
                    dimensions = excluded.dimensions, attributes = excluded.attributes, updated_at = excluded.updated_at
                """,
            arguments: [
                provider.id, provider.nrn.description, provider.specificationId, JSONWriter.string(.object(provider.dimensions)),
                JSONWriter.string(.object(provider.attributes)), provider.createdAt, provider.updatedAt,
            ]
        )
    }

    static func find(id: String, in db: Database) throws -> ProviderRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM provider WHERE id = ?", arguments: [id]).map(record)
    }

    static func require(id: String, for tenancy: Tenancy, in db: Database) throws -> ProviderRecord {
        guard let provider = try find(id: id, in: db), tenancy.admits(nrn: provider.nrn.description) else {
            throw APIError.notFound("provider", id)
        }
        return provider
    }

    /// Every provider, oldest first; the filters of `/provider` are applied by the caller on these few records.
    static func all(in db: Database) throws -> [ProviderRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM provider ORDER BY rowid").map(record)
    }

    /// The attributes `GET /provider/{id}` shows: the same specification's providers at the NRN's ancestors that
    /// apply to this one's dimensions, merged outermost first, then this provider's own.
    static func mergedAttributes(of provider: ProviderRecord, in db: Database) throws -> JSONObject {
        let requested = provider.dimensions.reduce(into: [String: String]()) { $0[$1.key] = $1.value.stringValue ?? JSONWriter.string($1.value) }
        let inherited = try all(in: db).filter {
            $0.id != provider.id && $0.specificationId == provider.specificationId && $0.nrn != provider.nrn
                && $0.nrn.isAncestorOrSelf(of: provider.nrn) && $0.applies(to: requested)
        }
        .sorted { $0.nrn.components.count < $1.nrn.components.count }
        return (inherited.map(\.attributes) + [provider.attributes]).reduce(JSONObject()) { $0.deepMerged(with: $1) }
    }

    private static func record(_ row: Row) throws -> ProviderRecord {
        func object(_ column: String) throws -> JSONObject {
            guard case .object(let object) = try JSONParser.parse(row[column] as String) else {
                throw APIError.unavailable(
                    "provider \(row["id"] as String) has a stored \(column) that is not a JSON object; the database may be corrupt"
                )
            }
            return object
        }
        return ProviderRecord(
            id: row["id"],
            nrn: try NRN(parsing: row["nrn"]),
            specificationId: row["specification_id"],
            dimensions: try object("dimensions"),
            attributes: try object("attributes"),
            createdAt: row["created_at"],
            updatedAt: row["updated_at"]
        )
    }
}
