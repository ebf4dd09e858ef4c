import Hummingbird
import NPSimCore
import NPSimHTTP
import NPSimStore

/// `/organization`, `/account`, `/namespace`, `/application` and `/scope`: the NRN tree that services and
/// links are created in, and whose slugs fill a notification's `tags`.
struct HierarchyController {
    let database: AppDatabase

    func register(on routes: Routes) {
        for level in NRN.Level.allCases {
            let base = "/\(level.rawValue)"
            routes.post(base, "Create an entity of the \(level.rawValue) level") { request, context in
                JSONResponse.make(try await database.createEntity(level, body: try await request.jsonBody(), for: context.tenancy).json)
            }
            routes.get(base, "List \(level.rawValue) entities") { request, context in
                // The parent by NRN (`nrn=`) or by id (`organization_id=` for accounts, as the Terraform provider asks).
                let parentId = NRN.Level.allCases.last { $0 < level }.flatMap { request.query("\($0.rawValue)_id") }
                let entities = try await database.entities(
                    level,
                    under: try request.nrnFilter(),
                    parentId: parentId,
                    slugs: request.queryList("slug"),
                    for: context.tenancy
                )
                let (limit, offset) = try request.paging()
                return JSONResponse.page(entities.map(\.json), limit: limit, offset: offset)
            }
            routes.get("\(base)/:id", "Read a \(level.rawValue)") { _, context in
                JSONResponse.make(try await database.entity(level, id: try context.pathParameter("id"), for: context.tenancy).json)
            }
            routes.patch("\(base)/:id", "Change a \(level.rawValue)'s name, slug or other fields (a scope's domain)") { request, context in
                guard case .object(let changes) = try await request.jsonBody() else { throw APIError.validation("the body must be a JSON object") }
                let id = try context.pathParameter("id")
                return JSONResponse.make(try await database.changeEntity(level, id: id, changes: changes, for: context.tenancy).json)
            }
        }
    }
}
