import Hummingbird
import NPSimCore
import NPSimStore

/// `/notification/channel`: integer ids, secrets masked on the way out.
struct ChannelController {
    let orchestrator: Orchestrator

    func register(on router: Router<NPSimRequestContext>) {
        router.post("/notification/channel") { request, _ in
            JSONResponse.make(try await orchestrator.createChannel(body: try await request.jsonBody()))
        }
        router.get("/notification/channel") { request, _ in
            var query = DocumentQuery(kind: .channel)
            (query.limit, query.offset) = try request.paging()
            query.nrn = try request.nrnFilter()
            query.includeDescendants = try request.queryFlag("showDescendants") || request.queryFlag("show_descendants")
            query.types = request.queryList("type")
            query.statuses = request.queryList("status")
            query.ids = request.queryList("id")
            return JSONResponse.make(try await orchestrator.list(query))
        }
        router.get("/notification/channel/:id") { _, context in
            JSONResponse.make(try await orchestrator.get(.channel, id: try Self.channelId(context)))
        }
        router.patch("/notification/channel/:id") { request, context in
            JSONResponse.make(try await orchestrator.patchChannel(id: try Self.channelId(context), body: try await request.jsonBody()))
        }
        router.delete("/notification/channel/:id") { _, context in
            JSONResponse.make(try await orchestrator.deleteChannel(id: try Self.channelId(context)))
        }
    }

    /// Channel ids are integers; anything else cannot exist.
    static func channelId(_ context: NPSimRequestContext) throws -> String {
        let id = try context.pathParameter("id")
        guard let number = Int(id) else { throw APIError.notFound("notification channel", id) }
        return String(number)
    }
}
