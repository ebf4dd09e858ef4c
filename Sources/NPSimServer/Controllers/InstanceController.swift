import Hummingbird
import NPSimCore
import NPSimHTTP
import NPSimOrchestrator
import NPSimStore

/// `/service` and `/link`, and the actions under each.
struct InstanceController {
    let orchestrator: Orchestrator

    func register(on routes: Routes) {
        for kind in [EntityKind.service, .link] {
            let base = "/\(kind.rawValue)"
            routes.post(base, "Create a \(kind.displayName)") { request, context in
                let body = try await request.jsonBody()
                return JSONResponse.make(
                    kind == .service
                        ? try await orchestrator.createService(body: body, for: context.tenancy)
                        : try await orchestrator.createLink(body: body, for: context.tenancy)
                )
            }
            routes.get(base, "List \(kind.displayName)s") { request, context in
                var query = DocumentQuery(kind: kind)
                query.organizationId = context.tenancy.organizationId
                (query.limit, query.offset) = try request.paging()
                query.nrn = try request.nrnFilter()
                query.includeDescendants = try request.queryFlag("show_descendants")
                query.exactNRN = request.query("entity_nrn")
                query.ids = request.queryList("id")
                query.statuses = request.queryList("status")
                query.specificationIds = request.queryList("specification_id")
                query.types = request.queryList("type")
                query.slugs = request.queryList("slug")
                if kind == .link { query.parentId = request.query("service_id") }
                return JSONResponse.make(try await orchestrator.list(query, options: try Self.readOptions(request)))
            }
            routes.get("\(base)/:id", "Read a \(kind.displayName)") { request, context in
                JSONResponse.make(
                    try await orchestrator.get(
                        kind,
                        id: try context.pathParameter("id"),
                        options: try Self.readOptions(request),
                        for: context.tenancy
                    )
                )
            }
            routes.patch("\(base)/:id", "Update a \(kind.displayName)") { request, context in
                JSONResponse.make(
                    try await orchestrator.patchInstance(
                        kind,
                        id: try context.pathParameter("id"),
                        body: try await request.jsonBody(),
                        for: context.tenancy
                    )
                )
            }
            routes.delete("\(base)/:id", "Delete a \(kind.displayName)") { request, context in
                JSONResponse.make(
                    try await orchestrator.deleteInstance(
                        kind,
                        id: try context.pathParameter("id"),
                        force: try request.queryFlag("force"),
                        for: context.tenancy
                    )
                )
            }
            registerActions(of: kind, base: "\(base)/:id/action", on: routes)
        }
    }

    private func registerActions(of kind: EntityKind, base: String, on routes: Routes) {
        let actionKind: EntityKind = kind == .service ? .serviceAction : .linkAction
        routes.post(base, "Run an action on a \(kind.displayName)") { request, context in
            let parent = Orchestrator.ActionParent(kind: kind, id: try context.pathParameter("id"), tenancy: context.tenancy)
            let createdBy = context.claims.map { String($0.apiKeyId) }
            return JSONResponse.make(try await orchestrator.createAction(on: parent, body: try await request.jsonBody(), createdBy: createdBy))
        }
        routes.get(base, "List the actions of a \(kind.displayName)") { request, context in
            let parentId = try context.pathParameter("id")
            _ = try await orchestrator.get(kind, id: parentId, for: context.tenancy)
            var query = DocumentQuery(kind: actionKind)
            query.parentId = parentId
            (query.limit, query.offset) = try request.paging()
            query.ids = request.queryList("id")
            query.statuses = request.queryList("status")
            query.types = request.queryList("type")
            query.specificationIds = request.queryList("specification_id")
            query.newestFirst = true
            return JSONResponse.make(try await orchestrator.list(query, options: try Self.readOptions(request)))
        }
        routes.get("\(base)/:child", "Read an action of a \(kind.displayName)") { request, context in
            let parent = Orchestrator.ActionParent(kind: kind, id: try context.pathParameter("id"), tenancy: context.tenancy)
            return JSONResponse.make(
                try await orchestrator.getAction(on: parent, id: try context.pathParameter("child"), options: try Self.readOptions(request))
            )
        }
        routes.patch("\(base)/:child", "Report on an action of a \(kind.displayName)") { request, context in
            let parent = Orchestrator.ActionParent(kind: kind, id: try context.pathParameter("id"), tenancy: context.tenancy)
            return JSONResponse.make(
                try await orchestrator.patchAction(on: parent, id: try context.pathParameter("child"), body: try await request.jsonBody())
            )
        }
        routes.delete("\(base)/:child", "Delete an action of a \(kind.displayName)") { _, context in
            let parent = Orchestrator.ActionParent(kind: kind, id: try context.pathParameter("id"), tenancy: context.tenancy)
            return JSONResponse.make(try await orchestrator.deleteAction(on: parent, id: try context.pathParameter("child")))
        }
    }

    static func readOptions(_ request: Request) throws -> ReadOptions {
        ReadOptions(includeMessages: try request.queryFlag("include_messages"), includeSecrets: try request.queryFlag("include_secret_attributes"))
    }
}
