import Foundation
import NPSimCore
import NPSimStore

/// Something a test expects of npsim, checked server-side against the database as it is: the body of
/// `POST /_npsim/expect`. It is met once it holds (within `timeout`), or, with `during`, if it holds the whole time.
/// Either way the answer shows what was observed, so a test that fails says what did happen.
public struct Expectation: Sendable {
    enum Condition: Sendable {
        /// A service or link with this status and these attributes (those named; others may exist).
        case entity(EntityKind, id: String, status: String?, attributes: JSONValue?)
        /// An action with this status, these results, and messages containing each of these texts.
        case action(id: String, status: String?, results: JSONValue?, messages: [String])
        /// Exactly `count` deliveries of an action's notifications (to one channel, of one status, when named).
        case deliveries(actionId: String, channelId: Int?, status: String?, count: Int)
        /// No action other than `expected` exists, and no delivery of another action, at `nrn` or under it.
        case nothingElse(nrn: NRN?, expected: Set<String>)
    }

    let condition: Condition
    /// How long to wait for the condition to hold.
    public let timeout: Duration
    /// When set, the condition must hold at every check for this long instead.
    public let during: Duration?

    /// The longest wait a request may ask for.
    static let longest: Duration = .seconds(600)

    public init(parsing body: JSONValue) throws {
        guard case .object(let object) = body else { throw APIError.validation("an expectation must be a JSON object, got \(body.typeName)") }
        timeout = try Self.seconds(object["timeout"], name: "timeout") ?? .seconds(10)
        during = try Self.seconds(object["during"], name: "during")
        let kinds = ["service", "link", "action", "deliveries", "nothing_else"].filter { object[$0] != nil }
        guard kinds.count == 1 else {
            throw APIError.validation(
                "name exactly one of service, link, action, deliveries and nothing_else; got \(kinds.isEmpty ? "none" : kinds.joined(separator: ", "))"
            )
        }
        let status = try Self.string(object["status"], name: "status")
        switch kinds[0] {
        case "service", "link":
            condition = .entity(
                kinds[0] == "service" ? .service : .link,
                id: try Self.required(object[kinds[0]], name: kinds[0]),
                status: status,
                attributes: object["attributes"]
            )
        case "action":
            let messages = try (object["messages"]?.arrayValue ?? []).map { try Self.required($0, name: "messages[]") }
            condition = .action(
                id: try Self.required(object["action"], name: "action"),
                status: status,
                results: object["results"],
                messages: messages
            )
        case "deliveries":
            guard case .object(let of)? = object["deliveries"] else {
                throw APIError.validation("deliveries must be an object such as {\"action\": ID}")
            }
            guard let count = object["count"]?.intValue, count >= 0 else {
                throw APIError.validation("deliveries needs count, a whole number of 0 or more")
            }
            // A scenario's `$CHANNEL` arrives as text: "3" is channel 3 too.
            let channel = try of["channel"].map { value -> Int in
                guard let id = value.intValue ?? value.stringValue.flatMap({ Int($0) }) else {
                    throw APIError.validation("deliveries.channel must be a channel's integer id")
                }
                return id
            }
            condition = .deliveries(
                actionId: try Self.required(of["action"], name: "deliveries.action"),
                channelId: channel,
                status: try Self.string(of["status"], name: "deliveries.status"),
                count: count
            )
        default:
            guard case .object(let of)? = object["nothing_else"] else {
                throw APIError.validation("nothing_else must be an object such as {\"nrn\": NRN, \"actions\": [IDs]}")
            }
            let nrn = try Self.string(of["nrn"], name: "nothing_else.nrn").map { text in
                do { return try NRN(parsing: text) } catch { throw APIError.validation("nothing_else.nrn: \(error)") }
            }
            let actions = try (of["actions"]?.arrayValue ?? []).map { try Self.required($0, name: "nothing_else.actions[]") }
            condition = .nothingElse(nrn: nrn, expected: Set(actions))
        }
    }

    /// Whether the condition holds now, and what was observed.
    func check(in db: StoreTransaction) throws -> (holds: Bool, observed: JSONValue) {
        switch condition {
        case .entity(let kind, let id, let status, let attributes):
            guard let entity = try db.fetch(kind, id: id) else { return (false, ["exists": false]) }
            let observed: JSONValue = ["status": entity["status"] ?? .null, "attributes": entity["attributes"] ?? [:]]
            let holds =
                status.map { entity["status"]?.stringValue == $0 } ?? true
                && attributes.map { (entity["attributes"] ?? [:]).matches($0) } ?? true
            return (holds, observed)
        case .action(let id, let status, let results, let messages):
            guard let action = try db.fetch(.serviceAction, id: id) ?? db.fetch(.linkAction, id: id) else { return (false, ["exists": false]) }
            let texts = (action["messages"]?.arrayValue ?? []).compactMap { $0["message"]?.stringValue }
            let observed: JSONValue = [
                "status": action["status"] ?? .null, "results": action["results"] ?? [:], "messages": action["messages"] ?? [],
            ]
            let holds =
                status.map { action["status"]?.stringValue == $0 } ?? true
                && results.map { (action["results"] ?? [:]).matches($0) } ?? true
                && messages.allSatisfy { wanted in texts.contains { $0.contains(wanted) } }
            return (holds, observed)
        case .deliveries(let actionId, let channelId, let status, let count):
            let matching = try db.deliveries(ofAction: actionId).filter { delivery in
                channelId.map { delivery["channel_id"]?.intValue == $0 } ?? true
                    && status.map { delivery["status"]?.stringValue == $0 } ?? true
            }
            return (matching.count == count, ["count": .int(matching.count), "deliveries": .array(matching.map(JSONValue.object))])
        case .nothingElse(let nrn, let expected):
            let actions = try db.actions(within: nrn).filter { !expected.contains($0["id"]?.stringValue ?? "") }
            let deliveries = try db.deliveries(within: nrn).filter { !expected.contains($0["action_id"]?.stringValue ?? "") }
            let summary = actions.map { action -> JSONValue in
                ["id": action["id"] ?? .null, "name": action["name"] ?? .null, "type": action["type"] ?? .null, "status": action["status"] ?? .null]
            }
            return (
                actions.isEmpty && deliveries.isEmpty,
                ["other_actions": .array(summary), "other_deliveries": .array(deliveries.map(JSONValue.object))]
            )
        }
    }

    /// What the condition is, in words, for the answer's message.
    public var summary: String {
        switch condition {
        case .entity(let kind, let id, let status, let attributes):
            "\(kind.displayName) \(id)" + (status.map { " is \($0)" } ?? "") + (attributes.map { " with attributes \(JSONWriter.string($0))" } ?? "")
        case .action(let id, let status, let results, let messages):
            "action \(id)" + (status.map { " is \($0)" } ?? "") + (results.map { " with results \(JSONWriter.string($0))" } ?? "")
                + (messages.isEmpty ? "" : " with messages containing \(messages.map { "'\($0)'" }.joined(separator: ", "))")
        case .deliveries(let actionId, let channelId, let status, let count):
            "exactly \(count) \(status.map { "\($0) " } ?? "")deliveries of action \(actionId)" + (channelId.map { " to channel \($0)" } ?? "")
        case .nothingElse(let nrn, let expected):
            "no action other than \(expected.isEmpty ? "none" : expected.sorted().joined(separator: ", ")), and no delivery of one,"
                + (nrn.map { " at or under \($0)" } ?? " anywhere")
        }
    }

    private static func seconds(_ value: JSONValue?, name: String) throws -> Duration? {
        guard let value else { return nil }
        guard let seconds = value.doubleValue, seconds.isFinite, seconds >= 0, seconds <= longest.seconds else {
            throw APIError.validation("\(name) must be a number of seconds from 0 to \(Int(longest.seconds)), got \(JSONWriter.string(value))")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    private static func string(_ value: JSONValue?, name: String) throws -> String? {
        guard let value else { return nil }
        guard let text = value.stringValue else { throw APIError.validation("\(name) must be a string, got \(value.typeName)") }
        return text
    }

    private static func required(_ value: JSONValue?, name: String) throws -> String {
        guard let text = try string(value, name: name), !text.isEmpty else { throw APIError.validation("\(name) must be a non-empty string") }
        return text
    }
}

/// What became of an expectation: whether it was met, after how long, and what was observed last.
public struct ExpectationOutcome: Sendable {
    public let met: Bool
    public let elapsed: Duration
    public let observed: JSONValue
}

extension Orchestrator {
    /// Checks `expectation` against the database until it holds (or, with `during`, for as long as it holds), at
    /// most for its timeout. Each check is one read; nothing is locked between checks.
    public func expect(_ expectation: Expectation) async throws -> ExpectationOutcome {
        let clock = ContinuousClock()
        let started = clock.now
        let end = started + (expectation.during ?? expectation.timeout)
        // Waiting for the condition to hold, or watching that it keeps holding.
        let awaitingIt = expectation.during == nil
        while true {
            let (holds, observed) = try await database.read { db in try expectation.check(in: db) }
            if holds == awaitingIt || clock.now >= end {
                return ExpectationOutcome(met: holds, elapsed: clock.now - started, observed: observed)
            }
            try await Task.sleep(for: Self.expectationInterval)
        }
    }

    /// How often an expectation is checked again.
    static let expectationInterval: Duration = .milliseconds(20)
}
