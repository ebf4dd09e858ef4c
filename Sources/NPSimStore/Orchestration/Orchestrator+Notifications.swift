import Foundation
import GRDB
import NPSimCore

extension Orchestrator {
    /// The notification announcing a new action, routed to the channels that will receive it, ready to insert.
    func notification(
        announcing action: JSONObject,
        specification: JSONObject,
        parent: ActionParent,
        entity: JSONObject,
        reference: ReferenceData,
        in db: Database
    ) throws -> Outbox.PreparedNotification {
        var input: EnvelopeBuilder.Input
        let entityNRN = entity["entity_nrn"]?.stringValue ?? ""
        let nrn = try reference.nrn(entityNRN)
        let lineage = try reference.lineage(of: nrn)
        if parent.kind == .link {
            let service = try Documents.require(.service, id: entity["service_id"]?.stringValue ?? "", in: db)
            input = EnvelopeBuilder.Input(
                action: action,
                actionSpecification: specification,
                service: service,
                serviceSpecification: try reference.specification(.serviceSpecification, id: service["specification_id"]?.stringValue ?? "") ?? [:],
                link: entity,
                linkSpecification: try reference.specification(.linkSpecification, id: entity["specification_id"]?.stringValue ?? ""),
                lineage: lineage,
                entityNRN: entityNRN
            )
        } else {
            input = EnvelopeBuilder.Input(
                action: action,
                actionSpecification: specification,
                service: entity,
                serviceSpecification: try reference.specification(.serviceSpecification, id: entity["specification_id"]?.stringValue ?? "") ?? [:],
                lineage: lineage,
                entityNRN: entityNRN
            )
        }
        let notification = EnvelopeBuilder.notification(input)
        let createdAt = now()
        return Outbox.PreparedNotification(
            envelope: EnvelopeBuilder.envelope(id: Self.newId(), createdAt: createdAt, notification: notification),
            source: EnvelopeBuilder.source,
            event: EnvelopeBuilder.event,
            nrn: entityNRN,
            actionId: action["id"]?.stringValue,
            routing: try route(.object(notification), nrn: nrn, reference: reference),
            now: createdAt
        )
    }

    /// The channels a notification goes to, and why each other channel was skipped.
    func route(_ notification: JSONValue, nrn: NRN, reference: ReferenceData) throws -> Outbox.Routing {
        var routing = Outbox.Routing()
        for channel in try reference.channels() {
            switch ChannelRouter.decide(
                channel: channel.object,
                channelNRN: channel.nrn,
                source: EnvelopeBuilder.source,
                entityNRN: nrn,
                notification: notification,
                agentTags: agentTags
            ) {
            case .deliver: routing.channels.append(channel.object)
            case .skip(let reason): routing.skipped.append(reason)
            }
        }
        if routing.channels.isEmpty, routing.skipped.isEmpty {
            routing.skipped.append("no notification channel exists; create one with POST /notification/channel")
        }
        return routing
    }

    /// `POST /notification/{id}/resend`: a new notification (new id, same `notification` payload) to the given
    /// channels, or to every channel that routing picks now.
    public func resend(notificationId: String, channelIds: [Int]?, for tenancy: Tenancy = .everyOrganization) async throws -> JSONObject {
        let id = try await writeQueuingDeliveries { db, reservations in
            guard let row = try Row.cachedOne(db, sql: "SELECT body, nrn, action_id FROM notification WHERE id = ?", arguments: [notificationId]),
                tenancy.admits(nrn: row["nrn"]),
                case .object(let original) = try JSONParser.parse(Array(row["body"] as Data)), let payload = original["notification"]
            else { throw APIError.notFound("notification", notificationId) }
            let nrnText: String = row["nrn"]
            var routing: Outbox.Routing
            if let channelIds {
                routing = Outbox.Routing()
                for channelId in channelIds {
                    guard let channel = try Documents.fetch(.channel, id: String(channelId), in: db), try reaches(tenancy, .channel, channel, in: db)
                    else {
                        throw APIError.validation("channel_ids: channel \(channelId) does not exist")
                    }
                    routing.channels.append(channel)
                }
            } else {
                routing = try route(payload, nrn: NRN(parsing: nrnText), reference: ReferenceData(in: db, memo: database.referenceMemo))
            }
            let newId = Self.newId()
            var envelope = original
            envelope["id"] = .string(newId)
            envelope["created_at"] = .string(ISO8601.epochMilliseconds(now()))
            let prepared = Outbox.PreparedNotification(
                envelope: .object(envelope),
                source: original["source"]?.stringValue ?? EnvelopeBuilder.source,
                event: EnvelopeBuilder.event,
                nrn: nrnText,
                actionId: row["action_id"],
                routing: routing,
                resentFrom: notificationId,
                now: now()
            )
            try Outbox.enqueue(prepared, reservations: reservations, in: db)
            return newId
        }
        return try await notification(id: id)
    }

    /// One notification as the API shows it: summary, routing decision, and the payload as delivered.
    public func notification(id: String, for tenancy: Tenancy = .everyOrganization) async throws -> JSONObject {
        try await database.writer.read { db in
            guard let row = try Row.cachedOne(db, sql: "SELECT * FROM notification WHERE id = ?", arguments: [id]), tenancy.admits(nrn: row["nrn"])
            else {
                throw APIError.notFound("notification", id)
            }
            return try Self.notificationJSON(row)
        }
    }

    public func notifications(
        nrn: NRN?,
        sources: [String],
        statuses: [String],
        actionId: String?,
        limit: Int,
        offset: Int,
        for tenancy: Tenancy = .everyOrganization
    ) async throws -> JSONValue {
        try await database.writer.read { db in
            var filter = SQLFilter()
            filter.within(organization: tenancy.organizationId)
            if let nrn { filter.raw("nrn_visible(nrn, ?, 1)", [nrn.description]) }
            filter.among("source", sources)
            filter.among("status", statuses)
            filter.equals("action_id", actionId)
            let (rows, total) = try filter.page(from: "notification", order: "seq DESC", limit: limit, offset: offset, in: db)
            return [
                "paging": ["offset": .int(offset), "limit": .int(limit), "total": .int(total)],
                "results": .array(try rows.map { .object(try Self.notificationJSON($0)) }),
            ]
        }
    }

    /// `GET /notification/{id}/result`: per channel, the delivery's status, its attempts and the last response.
    public func notificationResult(id: String, for tenancy: Tenancy = .everyOrganization) async throws -> JSONObject {
        try await database.writer.read { db in
            guard let row = try Row.cachedOne(db, sql: "SELECT status, nrn FROM notification WHERE id = ?", arguments: [id]),
                tenancy.admits(nrn: row["nrn"])
            else {
                throw APIError.notFound("notification", id)
            }
            let status: String = row["status"]
            let deliveries = try Row.cachedAll(db, sql: "SELECT * FROM delivery WHERE notification_id = ? ORDER BY id", arguments: [id])
            return [
                "notification_id": .string(id), "status": .string(status),
                "results": .array(
                    try deliveries.map { .object(Self.withCamelCaseExitCode(try Self.deliveryJSON($0, includeAttempts: true, in: db))) }
                ),
            ]
        }
    }

    /// nullplatform's runner docs read an agent command's exit code as `exitCode` here; npsim's deliveries name it
    /// `exit_code` everywhere else, so this answer carries both spellings.
    private static func withCamelCaseExitCode(_ delivery: JSONObject) -> JSONObject {
        guard case .object(var result)? = delivery["result"], let code = result["exit_code"] else { return delivery }
        result["exitCode"] = code
        var delivery = delivery
        delivery["result"] = .object(result)
        return delivery
    }

    public func deliveries(
        statuses: [String],
        channelId: Int?,
        notificationId: String?,
        limit: Int,
        offset: Int,
        for tenancy: Tenancy = .everyOrganization
    ) async throws -> JSONValue {
        try await database.writer.read { db in
            var filter = SQLFilter()
            if let organization = tenancy.organizationId {
                filter.raw(
                    "notification_id IN (SELECT id FROM notification WHERE nrn = ? OR nrn LIKE ? ESCAPE '\\')",
                    SQLFilter.organizationArguments(organization)
                )
            }
            filter.among("status", statuses)
            filter.equals("channel_id", channelId)
            filter.equals("notification_id", notificationId)
            let (rows, total) = try filter.page(from: "delivery", order: "id DESC", limit: limit, offset: offset, in: db)
            return [
                "paging": ["offset": .int(offset), "limit": .int(limit), "total": .int(total)],
                "results": .array(try rows.map { .object(try Self.deliveryJSON($0, includeAttempts: false, in: db)) }),
            ]
        }
    }

    public func delivery(id: Int64, for tenancy: Tenancy = .everyOrganization) async throws -> JSONObject {
        try await database.writer.read { db in
            try Self.deliveryJSON(try requireDelivery(id, for: tenancy, in: db), includeAttempts: true, in: db)
        }
    }

    public func retryDelivery(id: Int64, for tenancy: Tenancy = .everyOrganization) async throws -> JSONObject {
        try await writeQueuingDeliveries { db, reservations in
            _ = try requireDelivery(id, for: tenancy, in: db)
            try Outbox.retry(deliveryId: id, now: now(), in: db)
            reservations.queuedPending()
        }
        return try await delivery(id: id)
    }

    /// A delivery whose notification `tenancy` reaches; otherwise a 404.
    private func requireDelivery(_ id: Int64, for tenancy: Tenancy, in db: Database) throws -> Row {
        guard
            let row = try Row.cachedOne(
                db,
                sql:
                    "SELECT delivery.*, notification.nrn AS notification_nrn FROM delivery JOIN notification ON notification.id = notification_id WHERE delivery.id = ?",
                arguments: [id]
            ),
            tenancy.admits(nrn: row["notification_nrn"])
        else { throw APIError.notFound("delivery", String(id)) }
        return row
    }

    static func notificationJSON(_ row: Row) throws -> JSONObject {
        let envelope = try JSONParser.parse(Array(row["body"] as Data))
        return [
            "id": .string(row["id"]), "source": .string(row["source"]), "event": .string(row["event"]), "status": .string(row["status"]),
            "nrn": .string(row["nrn"]), "action_id": (row["action_id"] as String?).map(JSONValue.string) ?? .null,
            "created_at": .string(row["created_at"]), "resent_from": (row["resent_from"] as String?).map(JSONValue.string) ?? .null,
            "routing": try JSONParser.parse(row["routing"] as String),
            "notification": envelope["notification"] ?? .null,
        ]
    }

    static func deliveryJSON(_ row: Row, includeAttempts: Bool, in db: Database) throws -> JSONObject {
        var object: JSONObject = [
            "id": .int(row["id"]), "notification_id": .string(row["notification_id"]), "channel_id": .int(row["channel_id"]),
            "channel_type": .string(row["channel_type"]), "status": .string(row["status"]), "attempts": .int(row["attempt_count"]),
            "next_attempt_at": (row["status"] as String) == "pending"
                ? .string(ISO8601.string(from: Date(timeIntervalSince1970: Double(row["next_attempt_at"] as Int64) / 1000))) : .null,
            "last_status_code": (row["last_status_code"] as Int?).map(JSONValue.int) ?? .null,
            "last_error": (row["last_error"] as String?).map(JSONValue.string) ?? .null,
            "result": try (row["result"] as String?).map { try JSONParser.parse($0) } ?? .null,
            "created_at": .string(row["created_at"]), "updated_at": .string(row["updated_at"]),
        ]
        if includeAttempts {
            let attempts = try Row.cachedAll(db, sql: Outbox.attemptsSQL, arguments: [row["id"] as Int64])
            object["attempt_log"] = .array(
                try attempts.map { attempt in
                    let body = (attempt["response_body"] as Data?).map { String(decoding: $0, as: UTF8.self) }
                    return [
                        "number": .int(attempt["number"]), "started_at": .string(attempt["started_at"]),
                        "duration_ms": .double(attempt["duration_ms"]), "outcome": .string(attempt["outcome"]),
                        "request": try JSONParser.parse(attempt["request"] as String),
                        "request_body": .string(String(decoding: (attempt["sent_body"] as Data?) ?? Data(), as: UTF8.self)),
                        "response": (attempt["response_status"] as Int?).map { status in
                            [
                                "status": .int(status),
                                "headers": (try? (attempt["response_headers"] as String?).map { try JSONParser.parse($0) }) ?? nil ?? [:],
                                "body": body.map(JSONValue.string) ?? .null,
                            ] as JSONValue
                        } ?? .null,
                        "error": (attempt["error"] as String?).map(JSONValue.string) ?? .null,
                    ]
                }
            )
        }
        return object
    }
}
