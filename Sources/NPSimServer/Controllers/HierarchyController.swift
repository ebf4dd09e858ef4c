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
                return JSONResponse.make([
                    "paging": ["offset": .int(offset), "limit": .int(limit), "total": .int(entities.count)],
                    "results": .array(entities.dropFirst(offset).prefix(limit).map(\.json)),
                ])
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
        }
    }

    /// Creates an entity from `{name, slug?, id?, <parent level>_id}`; an organization needs no parent.
    private func create(_ level: NRN.Level, body: JSONValue, for tenancy: Tenancy, in db: Database) throws -> NRNEntity {
        guard case .object(let object) = body, let name = object["name"]?.stringValue, !name.isEmpty else {
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
        let slug = object["slug"]?.stringValue ?? Slug.from(name)
        guard !slug.isEmpty else { throw APIError.validation("\(level.rawValue).name must contain a letter or digit") }
        let entity = NRNEntity(nrn: nrn, name: name, slug: slug)
        try Hierarchy.upsert(entity, in: db)
        return entity
    }
}
