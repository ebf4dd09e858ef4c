import GRDB
import Hummingbird
import NPSimCore
import NPSimStore

/// `/organization`, `/account`, `/namespace`, `/application` and `/scope`: the NRN tree that services and
/// links are created in, and whose slugs fill a notification's `tags`.
struct HierarchyController {
    let database: AppDatabase

    func register(on routes: Routes) {
        for level in NRN.Level.allCases {
            let base = "/\(level.rawValue)"
            routes.post(base, "Create an entity of the \(level.rawValue) level") { request, context in
                let (body, tenancy) = (try await request.jsonBody(), context.tenancy)
                return JSONResponse.make(try await database.writer.write { db in try create(level, body: body, for: tenancy, in: db) }.json)
            }
            routes.get(base, "List \(level.rawValue) entities") { request, context in
                // The parent by NRN (`nrn=`) or by id (`organization_id=` for accounts, as the Terraform provider asks).
                let parentLevel = NRN.Level.allCases.last { $0 < level }
                let parentId = parentLevel.flatMap { request.query("\($0.rawValue)_id") }
                let slugs = request.queryList("slug")
                let nrnFilter = try request.nrnFilter()
                let entities = try await database.writer.read { db -> [NRNEntity] in
                    var parent = nrnFilter
                    if let parentLevel, let parentId {
                        guard let found = try Hierarchy.find(level: parentLevel, id: parentId, in: db) else { return [] }
                        parent = found.nrn
                    }
                    return try Hierarchy.list(level: level, under: parent, slugs: slugs, in: db)
                }
                .filter { context.tenancy.admits(nrn: $0.nrn.description) }
                let (limit, offset) = try request.paging()
                return JSONResponse.page(entities.map(\.json), limit: limit, offset: offset)
            }
            routes.get("\(base)/:id", "Read a \(level.rawValue)") { _, context in
                let id = try context.pathParameter("id")
                guard let entity = try await database.writer.read({ db in try Hierarchy.find(level: level, id: id, in: db) }),
                    context.tenancy.admits(nrn: entity.nrn.description)
                else {
                    throw APIError.notFound(level.rawValue, id)
                }
                return JSONResponse.make(entity.json)
            }
            routes.patch("\(base)/:id", "Change a \(level.rawValue)'s name, slug or other fields (a scope's domain)") { request, context in
                let (id, body, tenancy) = (try context.pathParameter("id"), try await request.jsonBody(), context.tenancy)
                guard case .object(let changes) = body else { throw APIError.validation("the body must be a JSON object") }
                let entity = try await database.writer.write { db -> NRNEntity in
                    guard let entity = try Hierarchy.find(level: level, id: id, in: db), tenancy.admits(nrn: entity.nrn.description) else {
                        throw APIError.notFound(level.rawValue, id)
                    }
                    let updated = try Self.entity(entity.nrn, from: changes, over: entity)
                    try Hierarchy.upsert(updated, in: db)
                    return updated
                }
                return JSONResponse.make(entity.json)
            }
        }
    }

    /// Fields a client cannot set through the body: they are the entity's place in the tree.
    private static let placement: Set<String> = Set(["id", "nrn"] + NRN.Level.allCases.map { "\($0.rawValue)_id" })

    /// `existing` with the body's `name`, `slug` and any other fields (kept as given) applied.
    private static func entity(_ nrn: NRN, from body: JSONObject, over existing: NRNEntity?) throws -> NRNEntity {
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
    private func create(_ level: NRN.Level, body: JSONValue, for tenancy: Tenancy, in db: Database) throws -> NRNEntity {
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
            id = String(try Hierarchy.nextId(level: level, in: db))
        }
        var components: [NRN.Component] = []
        if let parentLevel = NRN.Level.allCases.last(where: { $0 < level }) {
            let field = "\(parentLevel.rawValue)_id"
            guard let parentId = object[field]?.intValue.map(String.init) ?? object[field]?.stringValue else {
                throw APIError.validation("\(level.rawValue).\(field) is required")
            }
            guard let parent = try Hierarchy.find(level: parentLevel, id: parentId, in: db) else {
                throw APIError.validation("\(level.rawValue).\(field) '\(parentId)' is not an existing \(parentLevel.rawValue)")
            }
            components = parent.nrn.components
        }
        components.append(NRN.Component(level: level, id: id))
        let nrn = NRN(components: components)
        guard tenancy.admits(nrn: nrn.description) else {
            throw APIError.forbidden("\(nrn) is outside organization \(tenancy.organizationId ?? ""), the only one this token acts for")
        }
        if try Hierarchy.fetch(nrn, in: db) != nil, object["id"] != nil {
            throw APIError.conflict("\(level.rawValue) \(id) already exists at \(nrn)")
        }
        let entity = try Self.entity(nrn, from: object, over: nil)
        try Hierarchy.upsert(entity, in: db)
        return entity
    }
}
