import Hummingbird
import NPSimCore
import NPSimHTTP
import NPSimOrchestrator
import NPSimStore

/// `/service_specification`, `/link_specification` and the action specifications under either.
struct SpecificationController {
    let orchestrator: Orchestrator

    func register(on routes: Routes) {
        for kind in [EntityKind.serviceSpecification, .linkSpecification] {
            let base = "/\(kind.rawValue)"
            routes.post(base, "Create a \(kind.displayName)") { request, context in
                JSONResponse.make(try await orchestrator.createSpecification(kind, body: try await request.jsonBody(), for: context.tenancy))
            }
            routes.get(base, "List \(kind.displayName)s") { request, context in
                var query = DocumentQuery(kind: kind)
                query.organizationId = context.tenancy.organizationId
                (query.limit, query.offset) = try request.paging()
                query.nrn = try request.nrnFilter()
                query.includeDescendants = try request.queryFlag("show_descendants")
                query.ids = request.queryList("id")
                query.slugs = request.queryList("slug")
                query.types = request.queryList("type")
                if kind == .linkSpecification { query.parentId = request.query("specification_id") }
                return JSONResponse.make(try await orchestrator.list(query))
            }
            routes.get("\(base)/:id", "Read a \(kind.displayName)") { _, context in
                JSONResponse.make(try await orchestrator.get(kind, id: try context.pathParameter("id"), for: context.tenancy))
            }
            routes.patch("\(base)/:id", "Update a \(kind.displayName)") { request, context in
                JSONResponse.make(
                    try await orchestrator.patchSpecification(
                        kind,
                        id: try context.pathParameter("id"),
                        body: try await request.jsonBody(),
                        for: context.tenancy
                    )
                )
            }
            routes.delete("\(base)/:id", "Delete a \(kind.displayName)") { _, context in
                JSONResponse.make(try await orchestrator.deleteSpecification(kind, id: try context.pathParameter("id"), for: context.tenancy))
            }
            registerActionSpecifications(under: kind, base: "\(base)/:id/action_specification", on: routes)
        }
        for kind in [EntityKind.serviceSpecification, .linkSpecification, .actionSpecification] {
            routes.get("/\(kind.rawValue)/:id/snapshots", "Snapshots of a \(kind.displayName): its latest state") { _, context in
                let specification = try await orchestrator.get(kind, id: try context.pathParameter("id"), for: context.tenancy)
                return JSONResponse.make(Self.snapshots(of: specification))
            }
        }
        routes.get("/service_specification/:id/link_specification", "Link specifications of a service specification") { request, context in
            let id = try context.pathParameter("id")
            _ = try await orchestrator.get(.serviceSpecification, id: id, for: context.tenancy)
            var query = DocumentQuery(kind: .linkSpecification)
            query.parentId = id
            (query.limit, query.offset) = try request.paging()
            return JSONResponse.make(try await orchestrator.list(query))
        }
        routes.get("/action_specification/:id", "Read an action specification") { _, context in
            JSONResponse.make(try await orchestrator.get(.actionSpecification, id: try context.pathParameter("id"), for: context.tenancy))
        }
        routes.get("/action_specification", "List action specifications by parent") { request, context in
            let service = request.query("service_specification_id")
            guard let parent = service ?? request.query("link_specification_id") else {
                throw APIError.badRequest("list action specifications with service_specification_id or link_specification_id")
            }
            // A parent of another organization lists nothing, as an absent one does.
            if context.tenancy != .everyOrganization,
                try await !orchestrator.exists(service != nil ? .serviceSpecification : .linkSpecification, id: parent, for: context.tenancy)
            {
                return JSONResponse.make(["paging": ["offset": 0, "limit": 0, "total": 0], "results": []])
            }
            var query = DocumentQuery(kind: .actionSpecification)
            query.parentId = parent
            query.types = request.queryList("type")
            (query.limit, query.offset) = try request.paging()
            return JSONResponse.make(try await orchestrator.list(query))
        }
    }

    /// npsim keeps no history of a specification, so its one snapshot is the specification as it is now (the
    /// Terraform provider reads the latest snapshot's `id` and `sequence_number`).
    static func snapshots(of specification: JSONObject) -> JSONValue {
        var latest = specification
        latest["sequence_number"] = 1
        return ["paging": ["offset": 0, "limit": 30, "total": 1], "results": [.object(latest)]]
    }

    private func registerActionSpecifications(under parentKind: EntityKind, base: String, on routes: Routes) {
        let path = base
        routes.post(path, "Create an action specification of a \(parentKind.displayName)") { request, context in
            JSONResponse.make(
                try await orchestrator.createActionSpecification(
                    parent: parentKind,
                    parentId: try context.pathParameter("id"),
                    body: try await request.jsonBody(),
                    for: context.tenancy
                )
            )
        }
        routes.get(path, "List the action specifications of a \(parentKind.displayName)") { request, context in
            let parentId = try context.pathParameter("id")
            _ = try await orchestrator.get(parentKind, id: parentId, for: context.tenancy)
            var query = DocumentQuery(kind: .actionSpecification)
            query.parentId = parentId
            query.types = request.queryList("type")
            query.slugs = request.queryList("slug")
            (query.limit, query.offset) = try request.paging()
            return JSONResponse.make(try await orchestrator.list(query))
        }
        routes.get("\(base)/:child", "Read an action specification of a \(parentKind.displayName)") { _, context in
            let (parentId, id, tenancy) = (try context.pathParameter("id"), try context.pathParameter("child"), context.tenancy)
            return JSONResponse.make(try await orchestrator.actionSpecification(parent: parentKind, parentId: parentId, id: id, for: tenancy))
        }
        routes.patch("\(base)/:child", "Update an action specification of a \(parentKind.displayName)") { request, context in
            JSONResponse.make(
                try await orchestrator.patchActionSpecification(
                    parent: parentKind,
                    parentId: try context.pathParameter("id"),
                    id: try context.pathParameter("child"),
                    body: try await request.jsonBody(),
                    for: context.tenancy
                )
            )
        }
        routes.delete("\(base)/:child", "Delete an action specification of a \(parentKind.displayName)") { _, context in
            JSONResponse.make(
                try await orchestrator.deleteActionSpecification(
                    parent: parentKind,
                    parentId: try context.pathParameter("id"),
                    id: try context.pathParameter("child"),
                    for: context.tenancy
                )
            )
        }
    }
}
