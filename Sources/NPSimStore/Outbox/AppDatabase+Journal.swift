import Foundation
import GRDB
import NPSimCore

extension StoreTransaction {
    /// Adds an event to an action's journal (a runner's report, in the transaction that applies it).
    public func recordActionEvent(actionId: String, at: String, kind: String, detail: JSONValue) throws {
        try db.run(
            sql: "INSERT INTO action_event (action_id, at, kind, detail) VALUES (?, ?, ?, ?)",
            arguments: [actionId, at, kind, JSONWriter.string(detail)]
        )
    }

    /// The whole chain of one action, oldest first: its creation, each notification about it (resends included) with
    /// the channels routing chose, each attempt at each delivery, and each report a runner made on it. Built from
    /// the records themselves, so it cannot disagree with them.
    public func journal(of action: JSONObject) throws -> [JSONObject] {
        let actionId = action["id"]?.stringValue ?? ""
        var events: [(at: String, order: Int, event: JSONObject)] = []
        events.append(
            (
                action["created_at"]?.stringValue ?? "", 0,
                [
                    "at": action["created_at"] ?? .null, "event": "created",
                    "detail": [
                        "name": action["name"] ?? .null, "type": action["type"] ?? .null, "specification_id": action["specification_id"] ?? .null,
                        "created_by": action["created_by"] ?? .null, "parameters": action["parameters"] ?? [:],
                    ],
                ]
            )
        )
        let notifications = try Row.fetchAll(
            db,
            sql: "SELECT id, created_at, routing, resent_from FROM notification WHERE action_id = ? ORDER BY seq",
            arguments: [actionId]
        )
        for row in notifications {
            let at: String = row["created_at"]
            var detail: JSONObject = ["notification_id": .string(row["id"]), "routing": try JSONParser.parse(row["routing"] as String)]
            if let source = row["resent_from"] as String? { detail["resent_from"] = .string(source) }
            events.append((at, 1, ["at": .string(at), "event": "notified", "detail": .object(detail)]))
        }
        let attempts = try Row.fetchAll(
            db,
            sql: """
                SELECT attempt.*, delivery.channel_id, delivery.channel_type, delivery.notification_id FROM attempt
                JOIN delivery ON delivery.id = attempt.delivery_id JOIN notification ON notification.id = delivery.notification_id
                WHERE notification.action_id = ? ORDER BY attempt.id
                """,
            arguments: [actionId]
        )
        for row in attempts {
            let at: String = row["started_at"]
            var detail: JSONObject = [
                "delivery_id": .int(row["delivery_id"]), "notification_id": .string(row["notification_id"]),
                "channel_id": (row["channel_id"] as Int?).map(JSONValue.int) ?? .null, "channel_type": .string(row["channel_type"]),
                "number": .int(row["number"]), "outcome": .string(row["outcome"]),
                "response_status": (row["response_status"] as Int?).map(JSONValue.int) ?? .null,
                "duration_ms": .double(row["duration_ms"]), "error": (row["error"] as String?).map(JSONValue.string) ?? .null,
            ]
            // An attempt a test's fault touched says so in its request.
            if let fault = try JSONParser.parse(row["request"] as String)["fault"] { detail["fault"] = fault }
            events.append((at, 2, ["at": .string(at), "event": "attempt", "detail": .object(detail)]))
        }
        let reports = try Row.fetchAll(db, sql: "SELECT at, kind, detail FROM action_event WHERE action_id = ? ORDER BY seq", arguments: [actionId])
        for row in reports {
            let at: String = row["at"]
            events.append((at, 3, ["at": .string(at), "event": .string(row["kind"]), "detail": try JSONParser.parse(row["detail"] as String)]))
        }
        // Timestamps are ISO 8601 in UTC with milliseconds, so they sort as text; within one millisecond, the chain's
        // own order holds (created, notified, attempted, reported).
        return events.enumerated().sorted { ($0.element.at, $0.element.order, $0.offset) < ($1.element.at, $1.element.order, $1.offset) }
            .map(\.element.event)
    }
}
