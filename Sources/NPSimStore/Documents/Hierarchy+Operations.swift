import GRDB
import NPSimCore

/// The hierarchy's named operations, for `/organization`, `/account`, `/namespace`, `/application`, `/scope` and
/// fixtures. An entity outside the caller's organization is a 404, as an absent one.
extension AppDatabase {
    /// Creates an entity from `{name, slug?, id?, <parent level>_id, ...}`.
    public func createEntity(_ level: NRN.Level, body: JSONValue, for tenancy: Tenancy) async throws -> NRNEntity {
        try await writer.write { db in try Hierarchy.create(level, body: body, for: tenancy, in: db) }
    }

    /// Adds or renames the entity at `nrn` from `{name, slug?, ...}`, keeping the other fields it has when the body
    /// carries none (fixtures).
    public func saveEntity(at nrn: NRN, from body: JSONObject) async throws {
        let entity = try Hierarchy.entity(nrn, from: body, over: nil)
        try await writer.write { db in try Hierarchy.upsert(entity, in: db) }
    }

    /// The entities of `level` under `parent` (or under the entity of the level above with `parentId`), with one of
    /// `slugs` when given.
    public func entities(
        _ level: NRN.Level,
        under parent: NRN?,
        parentId: String?,
        slugs: [String],
        for tenancy: Tenancy
    ) async throws
        -> [NRNEntity]
    {
        try await writer.read { db -> [NRNEntity] in
            var parent = parent
            if let parentLevel = NRN.Level.allCases.last(where: { $0 < level }), let parentId {
                guard let found = try Hierarchy.find(level: parentLevel, id: parentId, in: db) else { return [] }
                parent = found.nrn
            }
            return try Hierarchy.list(level: level, under: parent, slugs: slugs, in: db)
        }
        .filter { tenancy.admits(nrn: $0.nrn.description) }
    }

    public func entity(_ level: NRN.Level, id: String, for tenancy: Tenancy) async throws -> NRNEntity {
        try await writer.read { db in try Hierarchy.require(level, id: id, for: tenancy, in: db) }
    }

    /// Changes an entity's name, slug or other fields (a scope's `domain`); its place in the tree stays.
    public func changeEntity(_ level: NRN.Level, id: String, changes: JSONObject, for tenancy: Tenancy) async throws -> NRNEntity {
        try await writer.write { db in
            let entity = try Hierarchy.require(level, id: id, for: tenancy, in: db)
            let updated = try Hierarchy.entity(entity.nrn, from: changes, over: entity)
            try Hierarchy.upsert(updated, in: db)
            return updated
        }
    }
}

extension Hierarchy {
    static func require(_ level: NRN.Level, id: String, for tenancy: Tenancy, in db: Database) throws -> NRNEntity {
        guard let entity = try find(level: level, id: id, in: db), tenancy.admits(nrn: entity.nrn.description) else {
            throw APIError.notFound(level.rawValue, id)
        }
        return entity
    }

    /// Fields a client cannot set through the body: they are the entity's place in the tree.
    private static let placement: Set<String> = Set(["id", "nrn"] + NRN.Level.allCases.map { "\($0.rawValue)_id" })

    /// `existing` with the body's `name`, `slug` and any other fields (kept as given) applied.
    static func entity(_ nrn: NRN, from body: JSONObject, over existing: NRNEntity?) throws -> NRNEntity {
        let level = nrn.components.last?.level.rawValue ?? "entity"
        let name = body["name"]?.stringValue ?? existing?.name ?? ""
        guard !name.isEmpty else { throw APIError.validation("\(level).name is required and must be a non-empty string") }
        if let given = body["name"], given.stringValue == nil { throw APIError.validation("\(level).name must be a string") }
        let slug = body["slug"]?.stringValue ?? existing?.slug ?? Slug.from(name)
        guard !slug.isEmpty else { throw APIError.validation("\(level).name must contain a letter or digit") }
        let extra = JSONObject(body.filter { !placement.contains($0.key) && $0.key != "name" && $0.key != "slug" })
        return NRNEntity(nrn: nrn, name: name, slug: slug, fields: (existing?.fields ?? JSONObject()).deepMerged(with: extra))
    }

    /// Creates an entity from `{name, slug?, id?, <parent level>_id, ...}`; an organization needs no parent, and
    /// other fields (a scope's `domain`, `dimensions`) are kept as given.
    static func create(_ level: NRN.Level, body: JSONValue, for tenancy: Tenancy, in db: Database) throws -> NRNEntity {
        guard case .object(let object) = body, object["name"]?.stringValue?.isEmpty == false else {
            throw APIError.validation("\(level.rawValue).name is required and must be a non-empty string")
        }
        let id: String
        if let given = object["id"] {
            guard let number = given.intValue ?? given.stringValue.flatMap(Int.init), number > 0 else {
                throw APIError.validation("\(level.rawValue).id must be a positive integer")
            }
            id = String(number)
        } else {
            id = String(try nextId(level: level, in: db))
        }
        var components: [NRN.Component] = []
        if let parentLevel = NRN.Level.allCases.last(where: { $0 < level }) {
            let field = "\(parentLevel.rawValue)_id"
            guard let parentId = object[field]?.intValue.map(String.init) ?? object[field]?.stringValue else {
                throw APIError.validation("\(level.rawValue).\(field) is required")
            }
            guard let parent = try find(level: parentLevel, id: parentId, in: db) else {
                throw APIError.validation("\(level.rawValue).\(field) '\(parentId)' is not an existing \(parentLevel.rawValue)")
            }
            components = parent.nrn.components
        }
        components.append(NRN.Component(level: level, id: id))
        let nrn = NRN(components: components)
        guard tenancy.admits(nrn: nrn.description) else {
            throw APIError.forbidden("\(nrn) is outside organization \(tenancy.organizationId ?? ""), the only one this token acts for")
        }
        if try fetch(nrn, in: db) != nil, object["id"] != nil {
            throw APIError.conflict("\(level.rawValue) \(id) already exists at \(nrn)")
        }
        let entity = try Self.entity(nrn, from: object, over: nil)
        try upsert(entity, in: db)
        return entity
    }
}
