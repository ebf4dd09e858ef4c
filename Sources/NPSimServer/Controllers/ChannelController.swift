import Hummingbird
import NPSimCore
import NPSimHTTP
import NPSimOrchestrator
import NPSimStore

/// `/notification/channel`: integer ids, secrets masked on the way out.
struct ChannelController {
    let orchestrator: Orchestrator

    func register(on routes: Routes) {
        routes.post("/notification/channel", "Create a notification channel") { request, context in
            JSONResponse.make(try await orchestrator.createChannel(body: try await request.jsonBody(), for: context.tenancy))
        }
        routes.get("/notification/channel", "List notification channels") { request, context in
            var query = DocumentQuery(kind: .channel)
            query.organizationId = context.tenancy.organizationId
            (query.limit, query.offset) = try request.paging()
            query.nrn = try request.nrnFilter()
            query.includeDescendants = try request.queryFlag("showDescendants") || request.queryFlag("show_descendants")
            query.types = request.queryList("type")
            query.statuses = request.queryList("status")
            query.ids = request.queryList("id")
            return JSONResponse.make(try await orchestrator.list(query))
        }
        routes.get("/notification/channel/:id", "Read a notification channel") { _, context in
            JSONResponse.make(try await orchestrator.get(.channel, id: try Self.channelId(context), for: context.tenancy))
        }
        routes.patch("/notification/channel/:id", "Update a notification channel") { request, context in
            JSONResponse.make(
                try await orchestrator.patchChannel(id: try Self.channelId(context), body: try await request.jsonBody(), for: context.tenancy)
            )
        }
        routes.delete("/notification/channel/:id", "Delete a notification channel") { _, context in
            JSONResponse.make(try await orchestrator.deleteChannel(id: try Self.channelId(context), for: context.tenancy))
        }
    }

    /// Channel ids are integers; anything else cannot exist.
    static func channelId(_ context: NPSimRequestContext) throws -> String {
        let id = try context.pathParameter("id")
        guard let number = Int(id) else { throw APIError.notFound("notification channel", id) }
        return String(number)
    }
}
