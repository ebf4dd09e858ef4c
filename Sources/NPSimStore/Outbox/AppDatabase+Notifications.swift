import Foundation
import GRDB
import NPSimCore

/// The outbox as the API shows it: notifications with their routing, deliveries with their attempts. Every read
/// answers a record outside the caller's organization as a 404, as if it did not exist.
extension AppDatabase {
    /// One notification as the API shows it: summary, routing decision, and the payload as delivered.
    public func notification(id: String, for tenancy: Tenancy = .everyOrganization) async throws -> JSONObject {
        try await writer.read { db in
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
        try await writer.read { db in
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
        try await writer.read { db in
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
        try await writer.read { db in
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
        try await writer.read { db in
            try Self.deliveryJSON(try Self.requireDelivery(id, for: tenancy, in: db), includeAttempts: true, in: db)
        }
    }

    /// A delivery whose notification `tenancy` reaches; otherwise a 404.
    static func requireDelivery(_ id: Int64, for tenancy: Tenancy, in db: Database) throws -> Row {
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

extension StoreTransaction {
    /// A stored notification's envelope, NRN and action, for a resend; a 404 when `tenancy` does not reach it.
    public func storedNotification(_ id: String, for tenancy: Tenancy) throws -> (envelope: JSONObject, nrn: String, actionId: String?) {
        guard let row = try Row.cachedOne(db, sql: "SELECT body, nrn, action_id FROM notification WHERE id = ?", arguments: [id]),
            tenancy.admits(nrn: row["nrn"]),
            case .object(let envelope) = try JSONParser.parse(Array(row["body"] as Data)), envelope["notification"] != nil
        else { throw APIError.notFound("notification", id) }
        return (envelope, row["nrn"], row["action_id"])
    }

    /// Puts a dead or failed delivery that `tenancy` reaches back in the queue for an immediate attempt.
    public func retryDelivery(_ id: Int64, for tenancy: Tenancy, now: Date) throws {
        _ = try AppDatabase.requireDelivery(id, for: tenancy, in: db)
        try Outbox.retry(deliveryId: id, now: now, in: db)
    }
}

extension StoreTransaction {
    /// The deliveries of an action's notifications (resends included), oldest first, without their attempts.
    public func deliveries(ofAction actionId: String) throws -> [JSONObject] {
        try Row.cachedAll(
            db,
            sql: "SELECT delivery.* FROM delivery JOIN notification ON notification.id = notification_id WHERE action_id = ? ORDER BY delivery.id",
            arguments: [actionId]
        )
        .map { try AppDatabase.deliveryJSON($0, includeAttempts: false, in: db) }
    }

    /// Every delivery, with its notification's `action_id`, of notifications at `nrn` or under it (all without one).
    public func deliveries(within nrn: NRN?) throws -> [JSONObject] {
        var sql = "SELECT delivery.*, notification.action_id AS action_id FROM delivery JOIN notification ON notification.id = notification_id"
        var arguments: StatementArguments = []
        if let nrn {
            sql += " WHERE (notification.nrn = ? OR notification.nrn LIKE ? ESCAPE '\\')"
            arguments = SQLFilter.subtreeArguments(nrn.description)
        }
        let rows = try Row.fetchAll(db, sql: sql + " ORDER BY delivery.id", arguments: arguments)
        return try rows.map { row in
            var delivery = try AppDatabase.deliveryJSON(row, includeAttempts: false, in: db)
            delivery["action_id"] = (row["action_id"] as String?).map(JSONValue.string) ?? .null
            return delivery
        }
    }

    /// Every action of the services and links at `nrn` or under it (all without one), oldest first.
    public func actions(within nrn: NRN?) throws -> [JSONObject] {
        let kinds = [EntityKind.serviceAction, .linkAction].map(\.rawValue)
        var sql = "SELECT body FROM document WHERE kind IN (?, ?)"
        var arguments: StatementArguments = [kinds[0], kinds[1]]
        if let nrn {
            sql += " AND parent_id IN (SELECT id FROM document WHERE kind IN (?, ?) AND (nrn = ? OR nrn LIKE ? ESCAPE '\\'))"
            arguments += [EntityKind.service.rawValue, EntityKind.link.rawValue]
            arguments += SQLFilter.subtreeArguments(nrn.description)
        }
        return try String.fetchAll(db, sql: sql + " ORDER BY seq", arguments: arguments).map(ParsedDocuments.parse)
    }
}
