import Foundation
import GRDB
import NPSimCore

/// The transactional outbox: notifications and their deliveries are written in the caller's transaction (the
/// one that stored the action), then claimed, attempted and concluded by the dispatcher. Nothing accepted is
/// lost: a crash leaves rows `pending` or `in_flight`, and ``resumeInterrupted(in:)`` picks them up again.
public enum Outbox {
    /// What routing decided for one notification.
    public struct Routing: Sendable {
        public var channels: [JSONObject] = []
        public var skipped: [String] = []

        public init(channels: [JSONObject] = [], skipped: [String] = []) {
            self.channels = channels
            self.skipped = skipped
        }
    }

    /// A notification with its columns already serialised, made before the transaction that stores it.
    public struct PreparedNotification: Sendable {
        let id: String
        let source: String
        let event: String
        let nrn: String
        let actionId: String?
        let routing: Routing
        let routingJSON: String
        let resentFrom: String?
        let createdAt: String
        let dueMilliseconds: Int64
        /// The envelope's exact bytes, as every delivery sends them.
        let body: [UInt8]

        public init(
            envelope: JSONValue,
            source: String,
            event: String,
            nrn: String,
            actionId: String?,
            routing: Routing,
            resentFrom: String? = nil,
            now: Date
        ) {
            id = envelope["id"]?.stringValue ?? UUID.newId()
            self.source = source
            self.event = event
            self.nrn = nrn
            self.actionId = actionId
            self.routing = routing
            routingJSON = JSONWriter.string([
                "channels": .array(routing.channels.compactMap { $0["id"] }),
                "skipped": .array(routing.skipped.map(JSONValue.string)),
            ])
            self.resentFrom = resentFrom
            createdAt = ISO8601.string(from: now)
            dueMilliseconds = Int64(now.timeIntervalSince1970 * 1000)
            body = JSONWriter.bytes(envelope)
        }
    }

    /// Stores a notification and one delivery per routed channel: `in_flight` when the dispatcher reserved a slot
    /// for it (handed over on commit), `pending` otherwise.
    static func enqueue(_ notification: PreparedNotification, reservations: DeliveryReservations, in db: Database) throws {
        let id = notification.id
        let timestamp = notification.createdAt
        try db.run(
            sql: """
                INSERT INTO notification (id, source, event, nrn, action_id, status, routing, resent_from, created_at, body)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id, notification.source, notification.event, notification.nrn, notification.actionId,
                notification.routing.channels.isEmpty ? "unmatched" : "pending", notification.routingJSON, notification.resentFrom,
                timestamp, Data(notification.body),
            ]
        )
        for channel in notification.routing.channels {
            let channelId = channel["id"]?.intValue
            let channelType = channel["type"]?.stringValue ?? "http"
            let handedOver = channelId.map { reservations.reserve(channelId: $0) } ?? false
            try db.run(
                sql: """
                    INSERT INTO delivery (notification_id, channel_id, channel_type, status, next_attempt_at, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [id, channelId, channelType, handedOver ? "in_flight" : "pending", notification.dueMilliseconds, timestamp, timestamp]
            )
            if handedOver, let channelId {
                reservations.add(
                    ClaimedDelivery(
                        id: db.lastInsertedRowID,
                        notificationId: id,
                        channelId: channelId,
                        channelType: channelType,
                        attemptNumber: 1,
                        source: notification.source,
                        event: notification.event,
                        body: notification.body,
                        channel: channel
                    )
                )
            }
        }
    }

    /// Puts deliveries a crash or shutdown left `in_flight` back in the queue; returns how many.
    @discardableResult
    static func resumeInterrupted(in db: Database) throws -> Int {
        try db.run(sql: "UPDATE delivery SET status = 'pending' WHERE status = 'in_flight'")
        return db.changesCount
    }

    /// Due deliveries, oldest first: `(id, channel id)` pairs for the dispatcher to reserve capacity for.
    /// Channels in `excludingChannels` are left out, so that a saturated channel's backlog cannot crowd out others.
    static func due(nowMilliseconds: Int64, limit: Int, excludingChannels: [Int] = [], in db: Database) throws -> [(id: Int64, channelId: Int)] {
        try Row.cachedAll(
            db,
            sql: """
                SELECT id, channel_id FROM delivery WHERE status = 'pending' AND next_attempt_at <= ?
                AND channel_id NOT IN (SELECT value FROM json_each(?)) ORDER BY next_attempt_at, id LIMIT ?
                """,
            arguments: [nowMilliseconds, jsonList(excludingChannels), limit]
        ).map { ($0["id"], $0["channel_id"]) }
    }

    /// Whether any delivery is due, of the given channels or (`nil`) of any.
    static func hasDue(nowMilliseconds: Int64, channels: [Int]? = nil, in db: Database) throws -> Bool {
        try Bool.cachedOne(
            db,
            sql: """
                SELECT EXISTS (SELECT 1 FROM delivery WHERE status = 'pending' AND next_attempt_at <= ?1
                AND (?2 IS NULL OR channel_id IN (SELECT value FROM json_each(?2))))
                """,
            arguments: [nowMilliseconds, channels.map(jsonList)]
        ) ?? false
    }

    /// Channel ids as a JSON array, for `json_each`: one cached statement serves every list.
    private static func jsonList(_ ids: [Int]) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }

    /// Marks deliveries `in_flight` and loads what their targets need. Rows another claimer took are skipped.
    static func claim(_ ids: [Int64], in db: Database, parsed: ParsedDocuments) throws -> [ClaimedDelivery] {
        try ids.compactMap { id in
            try db.run(sql: "UPDATE delivery SET status = 'in_flight' WHERE id = ? AND status = 'pending'", arguments: [id])
            guard db.changesCount == 1,
                let row = try Row.cachedOne(
                    db,
                    sql: """
                        SELECT d.id, d.notification_id, d.channel_id, d.channel_type, d.attempt_count, n.source, n.event, n.body
                        FROM delivery d JOIN notification n ON n.id = d.notification_id WHERE d.id = ?
                        """,
                    arguments: [id]
                )
            else { return nil }
            let channelId: Int = row["channel_id"]
            return ClaimedDelivery(
                id: row["id"],
                notificationId: row["notification_id"],
                channelId: channelId,
                channelType: row["channel_type"],
                attemptNumber: (row["attempt_count"] as Int) + 1,
                source: row["source"],
                event: row["event"],
                body: Array(row["body"] as Data),
                channel: try Documents.fetch(.channel, id: String(channelId), in: db, parsed: parsed)
            )
        }
    }

    /// An attempt with its columns already serialised, made before the transaction that stores it: the one writer
    /// every request waits for then only binds them.
    public struct PreparedAttempt: Sendable {
        let deliveryId: Int64
        let number: Int
        let startedAt: String
        let durationMilliseconds: Double
        let outcome: String
        let status: DeliveryStatus
        let nextAttemptAt: Int64?
        let retried: Bool
        let request: String
        /// `nil` when the body sent was the notification's envelope, kept once with the notification.
        let requestBody: Data?
        let responseStatus: Int?
        let responseHeaders: String?
        let responseBody: Data?
        let error: String?
        let result: String?
        let updatedAt: String

        public init(_ attempt: AttemptRecord, now: Date = Date()) {
            let exchange = attempt.exchange
            outcome = attempt.conclusion.outcome
            status = attempt.conclusion.status
            nextAttemptAt = attempt.conclusion.nextAttemptAt
            deliveryId = attempt.deliveryId
            number = attempt.number
            startedAt = attempt.startedAt
            durationMilliseconds = attempt.durationMilliseconds
            retried = nextAttemptAt != nil
            request = JSONWriter.string(withNote(exchange.request, attempt.retryNote))
            requestBody = attempt.sentEnvelope ? nil : Data(exchange.requestBody)
            responseStatus = exchange.responseStatus
            responseHeaders = exchange.responseHeaders.map { JSONWriter.string($0) }
            responseBody = exchange.responseBody.map { Data($0) }
            error = exchange.error
            result = exchange.result.map { JSONWriter.string($0) }
            updatedAt = ISO8601.string(from: now)
        }
    }

    /// Moves a delivery on and stores its attempt (and the notification's summary status). A `NULL` request body
    /// stands for the notification's envelope (``attemptsSQL`` reads it back from there): storing each webhook's body
    /// again with its attempt made the attempt four times as large.
    static func record(_ attempt: PreparedAttempt, in db: Database) throws {
        try db.run(
            sql: """
                UPDATE delivery SET status = ?, attempt_count = ?, next_attempt_at = COALESCE(?, next_attempt_at), last_status_code = ?,
                                    last_error = ?, result = COALESCE(?, result), updated_at = ?
                WHERE id = ?
                """,
            arguments: [
                attempt.status.rawValue, attempt.number, attempt.nextAttemptAt, attempt.responseStatus, attempt.error, attempt.result,
                attempt.updatedAt, attempt.deliveryId,
            ]
        )
        // A reset removed the delivery while it was attempted: its attempt goes with it.
        guard db.changesCount == 1 else { return }
        try db.run(
            sql: """
                INSERT INTO attempt (delivery_id, number, started_at, duration_ms, outcome, retried, request, request_body,
                                     response_status, response_headers, response_body, error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                attempt.deliveryId, attempt.number, attempt.startedAt, attempt.durationMilliseconds, attempt.outcome, attempt.retried,
                attempt.request, attempt.requestBody, attempt.responseStatus, attempt.responseHeaders, attempt.responseBody, attempt.error,
            ]
        )
        try refreshNotificationStatus(deliveryId: attempt.deliveryId, in: db)
    }

    /// A delivery's attempts, oldest first, with the bytes each one sent as `sent_body`; its argument is the delivery id.
    public static let attemptsSQL = """
        SELECT attempt.*, COALESCE(request_body, (SELECT body FROM notification WHERE id = delivery.notification_id)) AS sent_body
        FROM attempt JOIN delivery ON delivery.id = attempt.delivery_id WHERE attempt.delivery_id = ? ORDER BY number
        """

    /// Puts a dead or failed delivery back in the queue for an immediate attempt, keeping its history.
    static func retry(deliveryId: Int64, now: Date, in db: Database) throws {
        guard let status = try String.cachedOne(db, sql: "SELECT status FROM delivery WHERE id = ?", arguments: [deliveryId]) else {
            throw APIError.notFound("delivery", String(deliveryId))
        }
        guard status == DeliveryStatus.dead.rawValue || status == DeliveryStatus.failed.rawValue else {
            throw APIError.conflict("delivery \(deliveryId) is \(status); only dead or failed deliveries can be retried")
        }
        try db.run(
            sql: "UPDATE delivery SET status = 'pending', next_attempt_at = ?, updated_at = ? WHERE id = ?",
            arguments: [Int64(now.timeIntervalSince1970 * 1000), ISO8601.string(from: now), deliveryId]
        )
        try refreshNotificationStatus(deliveryId: deliveryId, in: db)
    }

    /// Keeps at most `keep` attempts, dropping the oldest, so a long-running server's disk stays flat.
    ///
    /// Finding the newest `keep` rows walks `keep` index entries; a look at the table's id range first (two rowid
    /// seeks) skips that walk while the table cannot hold more than `keep` rows.
    static func pruneAttempts(keep: Int, in db: Database) throws {
        guard try mayExceed(keep, table: "attempt", key: "id", in: db) else { return }
        try db.run(sql: "DELETE FROM attempt WHERE id <= (SELECT id FROM attempt ORDER BY id DESC LIMIT 1 OFFSET ?)", arguments: [keep])
    }

    /// Keeps the newest `keep` notifications, dropping older ones (their deliveries and attempts go with them) unless
    /// a delivery of theirs is still pending or in flight.
    static func pruneNotifications(keep: Int, in db: Database) throws {
        guard try mayExceed(keep, table: "notification", key: "seq", in: db) else { return }
        try db.run(
            sql: """
                DELETE FROM notification
                WHERE seq <= (SELECT seq FROM notification ORDER BY seq DESC LIMIT 1 OFFSET ?)
                AND NOT EXISTS (SELECT 1 FROM delivery WHERE notification_id = notification.id AND status IN ('pending', 'in_flight'))
                """,
            arguments: [keep]
        )
    }

    /// Whether `table` may hold more than `count` rows: its integer primary keys span more than `count` values.
    private static func mayExceed(_ count: Int, table: String, key: String, in db: Database) throws -> Bool {
        // Two subqueries: SQLite answers a lone min() or max() from the primary key, but scans for both at once.
        let span = try Int.cachedOne(db, sql: "SELECT (SELECT max(\(key)) FROM \(table)) - (SELECT min(\(key)) FROM \(table)) + 1") ?? 0
        return span > count
    }

    static func withNote(_ request: JSONValue, _ note: String?) -> JSONValue {
        guard let note, case .object(var object) = request else { return request }
        object["retry_decision"] = .string(note)
        return .object(object)
    }

    private static func refreshNotificationStatus(deliveryId: Int64, in db: Database) throws {
        try db.run(
            sql: """
                UPDATE notification SET status = CASE
                    WHEN EXISTS (SELECT 1 FROM delivery WHERE notification_id = notification.id AND status IN ('pending', 'in_flight')) THEN 'pending'
                    WHEN NOT EXISTS (SELECT 1 FROM delivery WHERE notification_id = notification.id AND status != 'delivered') THEN 'delivered'
                    ELSE 'failed' END
                WHERE id = (SELECT notification_id FROM delivery WHERE id = ?)
                """,
            arguments: [deliveryId]
        )
    }
}

/// The outbox's named operations, for the dispatcher.
extension AppDatabase {
    /// How many attempts and notifications are kept, and how often the oldest are pruned.
    public struct Retention: Sendable {
        public let pruneInterval: Int
        public let attempts: Int
        public let notifications: Int

        public init(pruneInterval: Int, attempts: Int, notifications: Int) {
            (self.pruneInterval, self.attempts, self.notifications) = (pruneInterval, attempts, notifications)
        }
    }

    /// Puts back in the queue what a crash or a shutdown left in flight; returns how many.
    public func resumeInterruptedDeliveries() async throws -> Int {
        try await writer.write { db in try Outbox.resumeInterrupted(in: db) }
    }

    /// Due deliveries, oldest first, of channels other than `saturated` (none when `anySlotFree` is false), and
    /// whether due deliveries are left that this read could not take.
    public func dueDeliveries(
        nowMilliseconds now: Int64,
        limit: Int,
        saturated: [Int],
        anySlotFree: Bool
    ) async throws
        -> (candidates: [(id: Int64, channelId: Int)], dueLeft: Bool)
    {
        try await writer.read { db in
            guard anySlotFree else { return ([], try Outbox.hasDue(nowMilliseconds: now, in: db)) }
            let candidates = try Outbox.due(nowMilliseconds: now, limit: limit, excludingChannels: saturated, in: db)
            return (candidates, try !saturated.isEmpty && Outbox.hasDue(nowMilliseconds: now, channels: saturated, in: db))
        }
    }

    /// Marks deliveries `in_flight` and returns those that still were due.
    public func claimDeliveries(_ ids: [Int64]) async throws -> [ClaimedDelivery] {
        try await writer.write { db in try Outbox.claim(ids, in: db, parsed: parsedDocuments) }
    }

    /// Stores attempts (in the group commit, with other writes) and prunes the oldest records now and then.
    public func recordAttempts(_ attempts: [Outbox.PreparedAttempt], retention: Retention) async throws {
        try await groupCommit.write { db in
            var prune = false
            for attempt in attempts {
                try Outbox.record(attempt, in: db)
                prune = prune || db.lastInsertedRowID % Int64(retention.pruneInterval) == 0
            }
            if prune {
                try Outbox.pruneAttempts(keep: retention.attempts, in: db)
                try Outbox.pruneNotifications(keep: retention.notifications, in: db)
            }
        }
    }
}
