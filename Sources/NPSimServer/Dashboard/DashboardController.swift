import Foundation
import Hummingbird
import Mustache
import NPSimCore
import NPSimHTTP
import NPSimOrchestrator
import NPSimStore

/// The web dashboard at `/` and `/ui/*`: server-rendered pages over the same orchestrator the API uses, which
/// show everything npsim holds and can act (run an action from a form built from its schema, resend a
/// notification, retry a delivery). Pages refresh their live sections by polling; see ``DashboardAssets``.
///
/// Like `/_npsim`, the dashboard needs no token: npsim listens on loopback by default. Channel secrets are shown
/// masked, as the API lists them.
struct DashboardController {
    let orchestrator: Orchestrator

    /// The compiled templates, compiled on the first page served: compiling them at start-up cost a third of
    /// npsim's cold start, which CI jobs pay on every run whether or not anyone opens the dashboard.
    private static let library: Result<MustacheLibrary, any Error> = Result {
        var library = MustacheLibrary()
        for (name, template) in DashboardTemplates.all { try library.register(template, named: name) }
        return library
    }

    func register(on routes: Routes) {
        routes.get("/", "Dashboard: overview") { request, _ in try await page(request, "overview", "Overview") { try await overview() } }
        routes.get("/ui/specifications", "Dashboard: specifications and their actions") { request, _ in
            try await page(request, "specifications", "Specifications") { try await specifications() }
        }
        routes.get("/ui/services", "Dashboard: services") { request, _ in
            try await page(request, "services", "Services") { try await services() }
        }
        routes.get("/ui/services/:id", "Dashboard: a service, its actions and the forms to run them") { request, context in
            let id = try context.pathParameter("id")
            return try await page(request, "service", "Service") { try await service(id) }
        }
        routes.post("/ui/services/:id/actions", "Dashboard: run an action from its form") { request, context in
            let id = try context.pathParameter("id")
            return try await act(request, returningTo: "/ui/services/\(id)") {
                let form = FormEncoding.decode(String(buffer: try await request.collectBody()))
                guard let specificationId = form.first(where: { $0.0 == "specification_id" })?.1, !specificationId.isEmpty else {
                    throw APIError.validation("the form has no specification_id")
                }
                let specification = try await orchestrator.actionSpecification(parent: nil, parentId: nil, id: specificationId)
                let parameters = try ActionForm(specification: .object(specification)).parameters(from: form)
                let action = try await orchestrator.createAction(
                    on: .init(kind: .service, id: id),
                    body: ["specification_id": .string(specificationId), "parameters": .object(parameters)],
                    createdBy: "dashboard"
                )
                return ("/ui/services/\(id)", "started \(action["name"]?.stringValue ?? "the action")", "action-\(action["id"]?.stringValue ?? "")")
            }
        }
        routes.get("/ui/actions/:id", "Dashboard: an action's timeline, from its creation to the runner's last report") { request, context in
            let id = try context.pathParameter("id")
            return try await page(request, "action", "Action") { try await action(id) }
        }
        routes.get("/ui/notifications", "Dashboard: notifications") { request, _ in
            try await page(request, "notifications", "Notifications") { try await notifications(actionId: request.query("action_id")) }
        }
        routes.get("/ui/notifications/:id", "Dashboard: a notification, its deliveries and every attempt") { request, context in
            let id = try context.pathParameter("id")
            return try await page(request, "notification", "Notification") { try await notification(id) }
        }
        routes.post("/ui/notifications/:id/resend", "Dashboard: resend a notification") { request, context in
            let id = try context.pathParameter("id")
            return try await act(request, returningTo: "/ui/notifications/\(id)") {
                let copy = try await orchestrator.resend(notificationId: id, channelIds: nil)
                return ("/ui/notifications/\(copy["id"]?.stringValue ?? id)", "resent as a new notification", "")
            }
        }
        routes.post("/ui/deliveries/:id/retry", "Dashboard: retry a dead or failed delivery") { request, context in
            let text = try context.pathParameter("id")
            return try await act(request, returningTo: "/ui/notifications") {
                guard let id = Int64(text) else { throw APIError.notFound("delivery", text) }
                let delivery = try await orchestrator.retryDelivery(id: id)
                return ("/ui/notifications/\(delivery["notification_id"]?.stringValue ?? "")", "delivery \(id) queued again", "delivery-\(id)")
            }
        }
        routes.get("/ui/channels", "Dashboard: notification channels, secrets masked") { request, _ in
            try await page(request, "channels", "Channels") { try await channels() }
        }
        routes.get("/ui/runs", "Dashboard: the provider stand-ins' runs") { request, _ in
            try await page(request, "runs", "Provider runs") { try await runs() }
        }
        routes.get("/ui/runs/:id", "Dashboard: a provider run and its log") { request, context in
            let id = try context.pathParameter("id")
            return try await page(request, "run", "Provider run") { try await run(id) }
        }
    }

    // MARK: Rendering

    /// Renders a page; an error (an unknown id) becomes the same page's layout with the message and its status.
    private func page(_ request: Request, _ template: String, _ title: String, data: () async throws -> [String: Any]) async throws -> Response {
        var context: [String: Any] = ["title": title, "style": DashboardAssets.style, "script": DashboardAssets.script]
        if let notice = request.query("notice") { context["notice"] = notice }
        if let error = request.query("error") { context["error"] = error }
        var status = HTTPResponse.Status.ok
        var name = template
        do {
            context.merge(try await data()) { $1 }
        } catch let error as APIError {
            (status, name, context["error"]) = (.init(code: error.status), "overview", error.message)
            context["counts"] = [[String: Any]]()
        }
        let html = try Self.library.get().render(context, withTemplate: name) ?? ""
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Runs a form's action and redirects (303) to the page it names, with a notice, or back with the error.
    ///
    /// The dashboard needs no token, so a form posted from another site's page must never get here:
    /// ``RequestGuardMiddleware`` refuses it with 403 before any route runs.
    private func act(
        _ request: Request,
        returningTo fallback: String,
        _ action: () async throws -> (path: String, notice: String, anchor: String)
    ) async throws
        -> Response
    {
        let location: String
        do {
            let (path, notice, anchor) = try await action()
            location = "\(path)?notice=\(FormEncoding.escape(notice))\(anchor.isEmpty ? "" : "#\(anchor)")"
        } catch let error as APIError {
            location = "\(fallback)?error=\(FormEncoding.escape(error.message))"
        }
        return Response(status: .seeOther, headers: [.location: location])
    }

    private static func pretty(_ value: JSONValue?) -> String {
        JSONWriter.string(value ?? .null, pretty: true)
    }

    private static func text(_ value: JSONValue?) -> String {
        value?.displayText ?? ""
    }

    // MARK: Pages

    private func total(_ page: JSONValue) -> Int { page["paging"]?["total"]?.intValue ?? 0 }

    private func list(
        _ kind: EntityKind,
        limit: Int = 1,
        parentId: String? = nil,
        options: ReadOptions = ReadOptions()
    ) async throws
        -> JSONValue
    {
        var query = DocumentQuery(kind: kind)
        query.limit = limit
        query.parentId = parentId
        query.newestFirst = true
        return try await orchestrator.list(query, options: options)
    }

    private func overview() async throws -> [String: Any] {
        var counts: [[String: Any]] = []
        for (kind, label, link) in [
            (EntityKind.serviceSpecification, "service specifications", "/ui/specifications"), (.service, "services", "/ui/services"),
            (.link, "links", "/ui/services"), (.channel, "channels", "/ui/channels"),
        ] {
            counts.append(["value": total(try await list(kind)), "label": label, "link": link])
        }
        let notificationPage = try await orchestrator.database.notifications(nrn: nil, sources: [], statuses: [], actionId: nil, limit: 10, offset: 0)
        counts.append(["value": total(notificationPage), "label": "notifications", "link": "/ui/notifications"])
        for status in ["pending", "delivered", "failed", "dead"] {
            let page = try await orchestrator.database.deliveries(statuses: [status], channelId: nil, notificationId: nil, limit: 1, offset: 0)
            counts.append(["value": total(page), "label": "\(status) deliveries", "link": "/ui/notifications"])
        }
        let runTotal = try await orchestrator.database.providerRuns(provider: nil, resource: nil, limit: 1, offset: 0).total
        counts.append(["value": runTotal, "label": "provider runs", "link": "/ui/runs"])
        let deliveries = try await orchestrator.database.deliveries(statuses: [], channelId: nil, notificationId: nil, limit: 10, offset: 0)
        return [
            "counts": counts, "notifications": Self.notificationRows(notificationPage["results"]),
            "deliveries": (deliveries["results"]?.arrayValue ?? []).map(Self.deliveryRow),
        ]
    }

    private static func notificationRows(_ results: JSONValue?) -> [[String: Any]] {
        (results?.arrayValue ?? []).map { row in
            let id = text(row["id"])
            return [
                "id": id, "short": String(id.prefix(8)), "status": text(row["status"]), "created_at": text(row["created_at"]),
                "action": "\(text(row["notification"]?["type"])) \(text(row["notification"]?["slug"]))",
                "service": text(row["notification"]?["service"]?["slug"]), "channels": row["routing"]?["channels"]?.arrayValue?.count ?? 0,
            ]
        }
    }

    private static func deliveryRow(_ row: JSONValue) -> [String: Any] {
        [
            "id": text(row["id"]), "notification_id": text(row["notification_id"]), "channel_id": text(row["channel_id"]),
            "channel_type": text(row["channel_type"]), "status": text(row["status"]), "attempts": text(row["attempts"]),
            "last": row["last_status_code"]?.intValue.map { "HTTP \($0)" } ?? text(row["last_error"]), "updated_at": text(row["updated_at"]),
        ]
    }

    private func specifications() async throws -> [String: Any] {
        var result: [[String: Any]] = []
        for kind in [EntityKind.serviceSpecification, .linkSpecification] {
            for specification in try await list(kind, limit: 1000)["results"]?.arrayValue ?? [] {
                let actions = try await list(.actionSpecification, limit: 1000, parentId: Self.text(specification["id"]))
                result.append([
                    "id": Self.text(specification["id"]), "name": Self.text(specification["name"]), "slug": Self.text(specification["slug"]),
                    "kind": kind == .serviceSpecification ? "service" : "link",
                    "actions": (actions["results"]?.arrayValue ?? []).reversed().map { action in
                        [
                            "name": Self.text(action["name"]), "slug": Self.text(action["slug"]), "type": Self.text(action["type"]),
                            "parameters": (action["parameters"]?["schema"]?["properties"]?.objectValue?.keys).map { $0.joined(separator: ", ") }
                                ?? "",
                        ]
                    },
                ])
            }
        }
        return ["specifications": result]
    }

    private func specificationNames() async throws -> [String: String] {
        var names: [String: String] = [:]
        for specification in try await list(.serviceSpecification, limit: 1000)["results"]?.arrayValue ?? [] {
            names[Self.text(specification["id"])] = Self.text(specification["name"])
        }
        return names
    }

    private func services() async throws -> [String: Any] {
        let names = try await specificationNames()
        let rows: [[String: Any]] = (try await list(.service, limit: 500)["results"]?.arrayValue ?? []).map { service in
            [
                "id": Self.text(service["id"]), "name": Self.text(service["name"]), "status": Self.text(service["status"]),
                "specification": names[Self.text(service["specification_id"])] ?? Self.text(service["specification_id"]),
                "entity_nrn": Self.text(service["entity_nrn"]), "updated_at": Self.text(service["updated_at"]),
            ]
        }
        return ["services": rows]
    }

    private func service(_ id: String) async throws -> [String: Any] {
        let service = try await orchestrator.get(.service, id: id)
        let specificationId = service["specification_id"]?.stringValue ?? ""
        let actions =
            try await list(.serviceAction, limit: 100, parentId: id, options: ReadOptions(includeMessages: true))["results"]?
            .arrayValue ?? []
        let links = try await list(.link, limit: 100, parentId: id)["results"]?.arrayValue ?? []
        let actionSpecifications = try await list(.actionSpecification, limit: 1000, parentId: specificationId)["results"]?.arrayValue ?? []
        return [
            "id": id, "name": Self.text(service["name"]), "status": Self.text(service["status"]), "entity_nrn": Self.text(service["entity_nrn"]),
            "specification": (try await specificationNames())[specificationId] ?? specificationId,
            "attributes": Self.pretty(service["attributes"]),
            "actions": actions.enumerated().map { index, action in
                [
                    "id": Self.text(action["id"]), "name": Self.text(action["name"]), "type": Self.text(action["type"]),
                    "status": Self.text(action["status"]), "created_at": Self.text(action["created_at"]), "open": index == 0,
                    "parameters": Self.pretty(action["parameters"]), "results": Self.pretty(action["results"]),
                    "messages": (action["messages"]?.arrayValue ?? []).map {
                        ["level": Self.text($0["level"]), "message": Self.text($0["message"])]
                    },
                ] as [String: Any]
            },
            "hasLinks": !links.isEmpty,
            "links": links.map { ["id": Self.text($0["id"]), "name": Self.text($0["name"]), "status": Self.text($0["status"])] },
            "forms": actionSpecifications.reversed().map { ActionForm(specification: $0).view(serviceId: id) },
        ]
    }

    private func action(_ id: String) async throws -> [String: Any] {
        let journal = try await orchestrator.journal(ofAction: id)
        let action = journal["action"] ?? [:]
        let parentKind = action["kind"] == "link_action" ? "link" : "service"
        let parentId = Self.text(action[parentKind + "_id"])
        return [
            "id": id, "name": Self.text(action["name"]), "status": Self.text(action["status"]), "parent_kind": parentKind,
            "parent_link": parentKind == "service" ? "/ui/services/\(parentId)" : "/ui/services",
            "events": (journal["events"]?.arrayValue ?? []).map { event in
                let outcome = event["detail"]?["outcome"]?.stringValue
                return [
                    "at": Self.text(event["at"]), "event": Self.text(event["event"]), "what": JournalLine.describe(event),
                    "badge": outcome ?? Self.text(event["event"]),
                ] as [String: Any]
            },
        ]
    }

    private func notifications(actionId: String?) async throws -> [String: Any] {
        let page = try await orchestrator.database.notifications(nrn: nil, sources: [], statuses: [], actionId: actionId, limit: 200, offset: 0)
        return ["notifications": Self.notificationRows(page["results"])]
    }

    private func notification(_ id: String) async throws -> [String: Any] {
        let notification = try await orchestrator.database.notification(id: id)
        let result = try await orchestrator.database.notificationResult(id: id)
        let deliveries: [[String: Any]] = (result["results"]?.arrayValue ?? []).map { delivery in
            var row = Self.deliveryRow(delivery)
            let attempts = delivery["attempt_log"]?.arrayValue ?? []
            row["retryable"] = ["dead", "failed"].contains(Self.text(delivery["status"]))
            if let result = delivery["result"], result != .null { row["result"] = Self.pretty(result) }
            row["attempts"] = attempts.enumerated().map { index, attempt in
                var view: [String: Any] = [
                    "number": Self.text(attempt["number"]), "outcome": Self.text(attempt["outcome"]), "started_at": Self.text(attempt["started_at"]),
                    "duration_ms": Self.text(attempt["duration_ms"]), "request": Self.pretty(attempt["request"]),
                    "request_body": Self.prettyBody(attempt["request_body"]), "last": index == attempts.count - 1,
                ]
                if let error = attempt["error"]?.stringValue { view["error"] = error }
                if let fault = attempt["request"]?["fault"]?.stringValue { view["fault"] = fault }
                if let response = attempt["response"], response != .null {
                    view["status_code"] = Self.text(response["status"])
                    var shown = response.objectValue ?? JSONObject()
                    if let body = response["body"] { shown["body"] = .string(Self.prettyBody(body)) }
                    view["response"] = Self.pretty(.object(shown))
                }
                return view
            }
            return row
        }
        return [
            "id": id, "status": Self.text(notification["status"]), "created_at": Self.text(notification["created_at"]),
            "action": "\(Self.text(notification["notification"]?["type"])) \(Self.text(notification["notification"]?["slug"]))",
            "deliveries": deliveries, "routing": Self.pretty(notification["routing"]), "payload": Self.pretty(notification["notification"]),
        ]
    }

    /// A body that is JSON, pretty-printed; anything else as it is.
    private static func prettyBody(_ value: JSONValue?) -> String {
        guard let text = value?.stringValue else { return pretty(value) }
        return (try? JSONParser.parse(text)).map { pretty($0) } ?? text
    }

    private func channels() async throws -> [String: Any] {
        let rows: [[String: Any]] = (try await list(.channel, limit: 1000)["results"]?.arrayValue ?? []).map { channel in
            [
                "id": Self.text(channel["id"]), "type": Self.text(channel["type"]), "status": Self.text(channel["status"]),
                "nrn": Self.text(channel["nrn"]), "configuration": JSONWriter.string(channel["configuration"] ?? [:]),
                "filters": JSONWriter.string(channel["filters"] ?? [:]),
            ]
        }
        return ["channels": rows]
    }

    private func runs() async throws -> [String: Any] {
        let runs = try await orchestrator.database.providerRuns(provider: nil, resource: nil, limit: 200, offset: 0).runs
        return ["runs": runs.map(Self.runView)]
    }

    private func run(_ text: String) async throws -> [String: Any] {
        guard let id = Int(text), let run = try await orchestrator.database.providerRun(id) else {
            throw APIError.notFound("provider run", text)
        }
        var view = Self.runView(run)
        view["log"] = run.log ?? "No log: the resource is not mapped to a local checkout (--checkout), so nothing ran here."
        view["request"] = Self.pretty(run.request)
        return view
    }

    private static func runView(_ run: ProviderRuns.Run) -> [String: Any] {
        var view: [String: Any] = [
            "id": String(run.id), "provider": run.provider, "resource": run.resource, "ref": run.ref, "status": run.status,
            "created_at": run.createdAt, "local": run.checkout == nil ? "no" : "yes",
        ]
        if let conclusion = run.conclusion { view["conclusion"] = conclusion }
        if let exitCode = run.exitCode { view["exit_code"] = String(exitCode) }
        return view
    }
}
