import Hummingbird
import NPSimCore
import NPSimHTTP
import NPSimOrchestrator
import NPSimStore

/// `/notification` (the events nullplatform's orchestrator sent) and the emulator's delivery queue under
/// `/_npsim/deliveries`.
struct NotificationController {
    let orchestrator: Orchestrator

    func register(on routes: Routes) {
        routes.get("/notification", "List notifications") { request, context in
            let (limit, offset) = try request.paging()
            return JSONResponse.make(
                try await orchestrator.database.notifications(
                    nrn: try request.nrnFilter(),
                    sources: request.queryList("source"),
                    statuses: request.queryList("status"),
                    actionId: request.query("action_id"),
                    limit: limit,
                    offset: offset,
                    for: context.tenancy
                )
            )
        }
        routes.get("/notification/:id", "Read a notification") { _, context in
            JSONResponse.make(try await orchestrator.database.notification(id: try context.pathParameter("id"), for: context.tenancy))
        }
        routes.get("/notification/:id/result", "Per-channel delivery results of a notification") { _, context in
            JSONResponse.make(try await orchestrator.database.notificationResult(id: try context.pathParameter("id"), for: context.tenancy))
        }
        routes.post("/notification/:id/resend", "Resend a notification") { request, context in
            let body = try await request.jsonBody()
            return JSONResponse.make(
                try await orchestrator.resend(
                    notificationId: try context.pathParameter("id"),
                    channelIds: try Self.channelIds(body),
                    for: context.tenancy
                )
            )
        }
        routes.post("/notification/resend", "Resend a notification (id in the body)") { request, context in
            let body = try await request.jsonBody()
            guard let id = body["notification_id"]?.stringValue ?? body["id"]?.stringValue else {
                throw APIError.validation("send notification_id (or use POST /notification/{id}/resend)")
            }
            return JSONResponse.make(try await orchestrator.resend(notificationId: id, channelIds: try Self.channelIds(body), for: context.tenancy))
        }
        routes.get("/_npsim/deliveries", "List deliveries") { request, context in
            let (limit, offset) = try request.paging()
            let channel = try request.query("channel_id").map { text in
                guard let id = Int(text) else { throw APIError.badRequest("channel_id must be an integer, got '\(text)'") }
                return id
            }
            return JSONResponse.make(
                try await orchestrator.database.deliveries(
                    statuses: request.queryList("status"),
                    channelId: channel,
                    notificationId: request.query("notification_id"),
                    limit: limit,
                    offset: offset,
                    for: context.tenancy
                )
            )
        }
        routes.get("/_npsim/deliveries/:id", "Read a delivery with its attempts") { _, context in
            JSONResponse.make(try await orchestrator.database.delivery(id: try Self.deliveryId(context), for: context.tenancy))
        }
        routes.post("/_npsim/deliveries/:id/retry", "Retry a dead or failed delivery") { _, context in
            JSONResponse.make(try await orchestrator.retryDelivery(id: try Self.deliveryId(context), for: context.tenancy))
        }
    }

    /// `channel_ids` as nullplatform's clients send it: absent (every channel), or a non-empty list of ids as
    /// strings or numbers. The form `channels: [{"id": ...}]` is accepted too.
    static func channelIds(_ body: JSONValue) throws -> [Int]? {
        let raw: [JSONValue]
        if let ids = body["channel_ids"] {
            guard let list = ids.arrayValue else { throw APIError.validation("channel_ids must be an array, got \(ids.typeName)") }
            raw = list
        } else if let channels = body["channels"]?.arrayValue {
            raw = channels.map { $0["id"] ?? .null }
        } else {
            return nil
        }
        guard !raw.isEmpty else { throw APIError.validation("channel_ids must not be empty; omit it to resend to every matching channel") }
        return try raw.map { value in
            guard let id = value.intValue ?? value.stringValue.flatMap(Int.init) else {
                throw APIError.validation("channel_ids must hold channel ids (numbers or digit strings), got \(JSONWriter.string(value))")
            }
            return id
        }
    }

    static func deliveryId(_ context: NPSimRequestContext) throws -> Int64 {
        let text = try context.pathParameter("id")
        guard let id = Int64(text) else { throw APIError.notFound("delivery", text) }
        return id
    }
}
