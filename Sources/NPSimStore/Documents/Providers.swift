import GRDB
import NPSimCore

/// Configured providers (`/provider`), each stored at an NRN for a specification of `ProviderCatalog`.
public enum Providers {
    public static func save(_ provider: ProviderRecord, in db: Database) throws {
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

    public static func find(id: String, in db: Database) throws -> ProviderRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM provider WHERE id = ?", arguments: [id]).map(record)
    }

    public static func delete(id: String, in db: Database) throws -> Bool {
        try db.execute(sql: "DELETE FROM provider WHERE id = ?", arguments: [id])
        return db.changesCount > 0
    }

    /// Every provider, oldest first; the filters of `/provider` are applied by the caller on these few records.
    public static func all(in db: Database) throws -> [ProviderRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM provider ORDER BY rowid").map(record)
    }

    /// The attributes `GET /provider/{id}` shows: the same specification's providers at the NRN's ancestors that
    /// apply to this one's dimensions, merged outermost first, then this provider's own.
    public static func mergedAttributes(of provider: ProviderRecord, in db: Database) throws -> JSONObject {
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
