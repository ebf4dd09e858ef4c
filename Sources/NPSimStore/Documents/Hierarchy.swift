import GRDB
import NPSimCore

/// The organization hierarchy behind `entity_nrn`: each NRN a service or link is created at must be here.
public enum Hierarchy {
    static func upsert(_ entity: NRNEntity, in db: Database) throws {
        try db.run(
            sql: """
                INSERT INTO nrn_entity (nrn, level, name, slug, fields) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (nrn) DO UPDATE SET name = excluded.name, slug = excluded.slug, fields = COALESCE(excluded.fields, nrn_entity.fields)
                """,
            arguments: [
                entity.nrn.description, entity.level.rawValue, entity.name, entity.slug,
                entity.fields.isEmpty ? nil : JSONWriter.string(.object(entity.fields)),
            ]
        )
    }

    static func fetch(_ nrn: NRN, in db: Database) throws -> NRNEntity? {
        try Row.cachedOne(db, sql: "SELECT name, slug, fields FROM nrn_entity WHERE nrn = ?", arguments: [nrn.description]).map {
            NRNEntity(nrn: nrn, name: $0["name"], slug: $0["slug"], fields: try fields($0, nrn: nrn))
        }
    }

    /// The entity at `nrn` and all its ancestors, outermost first; a 400 names the first level that is unknown.
    ///
    /// With `creatingMissing`, unknown levels are added instead, named after their level and id (`account-2`): a
    /// user's NRNs name entities that exist on the platform and cannot be created through its API. The hierarchy
    /// routes or a fixture can rename them later.
    @discardableResult
    static func lineage(of nrn: NRN, creatingMissing: Bool = false, in db: Database) throws -> [NRNEntity] {
        try nrn.lineage.reversed().map { level in
            if let entity = try fetch(level, in: db) { return entity }
            let levelName = level.components.last?.level.rawValue ?? "organization"
            guard creatingMissing, let id = level.components.last?.id else {
                throw APIError.validation("NRN '\(level)' does not exist; create it with POST /\(levelName) or load fixtures with --seed")
            }
            let entity = NRNEntity(nrn: level, name: "\(levelName)-\(id)", slug: "\(levelName)-\(id)")
            try upsert(entity, in: db)
            return entity
        }
    }

    /// Entities of a level (every level when `nil`) below `parent`, with one of `slugs` when given.
    static func list(level: NRN.Level?, under parent: NRN?, slugs: [String] = [], in db: Database) throws -> [NRNEntity] {
        var sql = "SELECT nrn, name, slug, fields FROM nrn_entity WHERE 1"
        var arguments: StatementArguments = []
        if let level {
            sql += " AND level = ?"
            arguments += [level.rawValue]
        }
        if let parent {
            sql += " AND nrn LIKE ?"
            arguments += ["\(parent.description):%"]
        }
        if !slugs.isEmpty {
            sql += " AND slug IN (\(Array(repeating: "?", count: slugs.count).joined(separator: ",")))"
            arguments += StatementArguments(slugs)
        }
        return try Row.cachedAll(db, sql: sql + " ORDER BY rowid", arguments: arguments).compactMap { row in
            guard let nrn = try? NRN(parsing: row["nrn"]) else { return nil }
            return NRNEntity(nrn: nrn, name: row["name"], slug: row["slug"], fields: try fields(row, nrn: nrn))
        }
    }

    /// The stored extra fields of an entity: absent for most, a JSON object otherwise.
    private static func fields(_ row: Row, nrn: NRN) throws -> JSONObject {
        guard let text: String = row["fields"] else { return JSONObject() }
        guard case .object(let object) = try? JSONParser.parse(text) else {
            throw APIError.unavailable("the stored fields of \(nrn) are not a JSON object; the database may be corrupt")
        }
        return object
    }
}

extension Hierarchy {
    /// Finds an entity by its level and id (ids are unique within a level, as in nullplatform).
    static func find(level: NRN.Level, id: String, in db: Database) throws -> NRNEntity? {
        let suffix = "\(level.rawValue)=\(id)"
        guard
            let text = try String.cachedOne(
                db,
                sql: "SELECT nrn FROM nrn_entity WHERE level = ? AND (nrn = ? OR nrn LIKE ?) LIMIT 1",
                arguments: [level.rawValue, suffix, "%:\(suffix)"]
            )
        else { return nil }
        return try fetch(NRN(parsing: text), in: db)
    }

    /// The next free id at a level, for entities created without one.
    static func nextId(level: NRN.Level, in db: Database) throws -> Int {
        try Counters.next("nrn_\(level.rawValue)", in: db) + 1000
    }
}
