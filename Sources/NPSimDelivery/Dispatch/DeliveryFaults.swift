import Foundation
import NPSimCore
import NPSimStore
import Synchronization

/// Faults a test injects into the deliveries of a channel (`PUT /_npsim/faults/channels/{id}`, or a fixture's
/// channel), to see how a runner copes: the next attempts failing without being sent, dropped and resent later,
/// a window of notifications sent newest first, each notification sent twice, a tampered or stale signature, a
/// delay before each attempt. Kept in memory, until used up or cleared; every attempt a fault touched says so in
/// its record.
public final class DeliveryFaults: Sendable {
    /// How an injected failure looks to the dispatcher: as the receiver answering with a status, as no answer
    /// within the delivery timeout, or as the connection reset.
    public enum Failure: Sendable, Equatable {
        case status(Int)
        case timeout
        case reset

        public init(parsing value: JSONValue) throws {
            switch value {
            case .int(let status) where (400...599).contains(status): self = .status(status)
            case .string("timeout"): self = .timeout
            case .string("reset"): self = .reset
            default:
                throw APIError.validation(
                    "fail_next.as must be an HTTP status from 400 to 599, \"timeout\" or \"reset\", got \(JSONWriter.string(value))"
                )
            }
        }

        var words: String {
            switch self {
            case .status(let status): "answered \(status)"
            case .timeout: "no answer within the delivery timeout"
            case .reset: "connection reset"
            }
        }

        var json: JSONValue {
            switch self {
            case .status(let status): .int(status)
            case .timeout: "timeout"
            case .reset: "reset"
            }
        }
    }

    /// A signature that a receiver checking Standard Webhooks signatures must refuse.
    public enum SignatureFault: Sendable, Equatable {
        /// The `webhook-signature` is not the HMAC of what was sent.
        case tampered
        /// The `webhook-timestamp` (signed with it) is this old, beyond a receiver's tolerance.
        case stale(age: Duration)

        var words: String {
            switch self {
            case .tampered: "a tampered webhook-signature (not the HMAC of the body sent)"
            case .stale(let age): "a stale webhook-timestamp, \(Int(age.seconds)) s old"
            }
        }
    }

    /// The faults of one channel.
    public struct Plan: Sendable {
        /// The next attempts fail this way, without being sent.
        public var failNext: (count: Int, as: Failure)?
        /// The next attempts are not sent, and are resent this long after (a notification lost, then resent).
        public var dropNext: (count: Int, resendAfter: Duration)?
        /// The next `count` notifications are held until the window closes (`window` after the first), then sent
        /// newest first.
        public var reorderNext: (count: Int, window: Duration)?
        /// The next notifications delivered are sent a second time, identical (the same `webhook-id`).
        public var duplicateNext = 0
        /// The next attempts sent are signed this way (`http` channels that sign).
        public var signatureNext: (count: Int, fault: SignatureFault)?
        /// Each attempt waits this long first.
        public var delay: Duration?

        /// The reorder window under way.
        fileprivate var window: Window?

        public init(parsing body: JSONValue) throws {
            guard case .object(let object) = body else { throw APIError.validation("faults must be a JSON object") }
            let known: Set<String> = [
                "fail_next", "drop_next", "reorder_next", "duplicate_next", "tamper_signature_next", "stale_signature_next", "delay",
            ]
            if let unknown = object.keys.first(where: { !known.contains($0) }) {
                throw APIError.validation("fault '\(unknown)' is unknown; use \(known.sorted().joined(separator: ", "))")
            }
            if let fail = object["fail_next"] {
                guard let count = fail["count"]?.intValue, (1...1000).contains(count), let failure = fail["as"] else {
                    throw APIError.validation("fail_next needs count (1 to 1000) and as (a status, \"timeout\" or \"reset\")")
                }
                failNext = (count, try Failure(parsing: failure))
            }
            if let drop = object["drop_next"] {
                guard let count = drop["count"]?.intValue, (1...1000).contains(count) else {
                    throw APIError.validation("drop_next needs count (1 to 1000) and resend_after (seconds, 0 to 3600)")
                }
                dropNext = (count, try Self.seconds(drop["resend_after"] ?? .int(5), name: "drop_next.resend_after", upTo: 3600))
            }
            if let reorder = object["reorder_next"] {
                guard let count = reorder["count"]?.intValue, (2...100).contains(count) else {
                    throw APIError.validation("reorder_next needs count (2 to 100) and window (seconds, 0 to 300)")
                }
                reorderNext = (count, try Self.seconds(reorder["window"] ?? .int(2), name: "reorder_next.window", upTo: 300))
            }
            if let duplicate = object["duplicate_next"] {
                guard let count = duplicate.intValue, (0...1000).contains(count) else {
                    throw APIError.validation("duplicate_next must be a whole number from 0 to 1000")
                }
                duplicateNext = count
            }
            let tampered = object["tamper_signature_next"]
            let stale = object["stale_signature_next"]
            guard tampered == nil || stale == nil else {
                throw APIError.validation("tamper_signature_next and stale_signature_next cannot be set together; set one, then the other")
            }
            if let tampered {
                guard let count = tampered.intValue, (1...1000).contains(count) else {
                    throw APIError.validation("tamper_signature_next must be a whole number from 1 to 1000")
                }
                signatureNext = (count, .tampered)
            }
            if let stale {
                guard let count = stale["count"]?.intValue, (1...1000).contains(count) else {
                    throw APIError.validation("stale_signature_next needs count (1 to 1000) and age (seconds, 1 to 86400)")
                }
                let age = try Self.seconds(stale["age"] ?? .int(600), name: "stale_signature_next.age", upTo: 86400)
                guard age >= .seconds(1) else { throw APIError.validation("stale_signature_next.age must be at least 1 second") }
                signatureNext = (count, .stale(age: age))
            }
            if let delay = object["delay"] {
                self.delay = try Self.seconds(delay, name: "delay", upTo: 300)
            }
        }

        /// A number of seconds from 0 to `limit`, as a duration; anything else is a 400 naming the field.
        private static func seconds(_ value: JSONValue, name: String, upTo limit: Double) throws -> Duration {
            guard let seconds = value.doubleValue, seconds.isFinite, seconds >= 0, seconds <= limit else {
                throw APIError.validation("\(name) must be a number of seconds from 0 to \(Int(limit)), got \(JSONWriter.string(value))")
            }
            return .milliseconds(Int64((seconds * 1000).rounded()))
        }

        /// Whether the plan has a signature fault, which only `http` channels that sign can carry out.
        public var altersSignatures: Bool { signatureNext != nil }

        var json: JSONValue {
            var object: JSONObject = ["duplicate_next": .int(duplicateNext), "delay": delay.map { .double($0.seconds) } ?? .null]
            object["fail_next"] = failNext.map { ["count": .int($0.count), "as": $0.as.json] } ?? .null
            object["drop_next"] = dropNext.map { ["count": .int($0.count), "resend_after": .double($0.resendAfter.seconds)] } ?? .null
            object["reorder_next"] = reorderNext.map { ["count": .int($0.count), "window": .double($0.window.seconds)] } ?? .null
            object["holding"] = .int(window.map { $0.held.count - $0.finished.count } ?? 0)
            switch signatureNext {
            case (let count, .tampered)?: object["tamper_signature_next"] = .int(count)
            case (let count, .stale(let age))?: object["stale_signature_next"] = ["count": .int(count), "age": .double(age.seconds)]
            case nil: break
            }
            return .object(object)
        }

        var isEmpty: Bool {
            failNext == nil && dropNext == nil && reorderNext == nil && window == nil && duplicateNext == 0 && signatureNext == nil && delay == nil
        }
    }

    /// What a failure injected instead of an attempt looks like: classified as the same answer from a receiver
    /// would be, and marked as injected in the attempt's request.
    static func outcome(of failure: Failure, for delivery: ClaimedDelivery) -> TargetOutcome {
        let request: JSONValue = ["fault": .string("injected: \(failure.words); nothing was sent")]
        switch failure {
        case .status(let status):
            return TargetOutcome(
                verdict: HTTPTarget.verdict(status: status, retryAfter: nil),
                exchange: AttemptExchange(request: request, requestBody: delivery.body, responseStatus: status)
            )
        case .timeout, .reset:
            return TargetOutcome(
                verdict: .retryable(note: failure.words + " (injected)", retryAfter: nil),
                exchange: AttemptExchange(request: request, requestBody: delivery.body, error: failure.words + " (an injected fault)")
            )
        }
    }

    /// A reorder window: the deliveries it held, and how far their resends got. A resend goes once every delivery
    /// held after it has been attempted, so the newest arrive first even when the dispatcher, late, finds them all
    /// due at once.
    fileprivate struct Window: Sendable {
        var closesAt: Date
        /// Held, in the order they arrived.
        var held: [Int64] = []
        /// Resends that started, and those whose attempt ended.
        var resent: Set<Int64> = []
        var finished: Set<Int64> = []

        func mayGo(_ deliveryId: Int64) -> Bool {
            guard let position = held.firstIndex(of: deliveryId) else { return true }
            return held[(position + 1)...].allSatisfy(finished.contains)
        }
    }

    /// The resend of a delivery a reorder window held: the dispatcher waits for its turn, and says when it ended.
    struct Turn: Sendable {
        let channelId: Int
        let deliveryId: Int64
    }

    /// What the faults make of one attempt.
    struct Injection: Sendable {
        var fail: Failure?
        /// Not sent now, but at this time, for this reason (dropped, or held for a reordered window).
        var postpone: (until: Date, fault: String)?
        var duplicate = false
        var signature: SignatureFault?
        var delay: Duration?
        var turn: Turn?
    }

    /// How far apart the deliveries of a reordered window are resent, so that they arrive in the order chosen.
    static let reorderSpacing: Duration = .milliseconds(100)

    private let plans = Mutex<[Int: Plan]>([:])

    public init() {}

    public func set(_ plan: Plan, channelId: Int) {
        plans.withLock { $0[channelId] = plan.isEmpty ? nil : plan }
    }

    public func clear() {
        plans.withLock { $0.removeAll() }
    }

    /// Every channel's faults still to come, by channel id.
    public var json: JSONValue {
        plans.withLock { plans in
            .object(JSONObject(plans.sorted { $0.key < $1.key }.map { (String($0.key), $0.value.json) }))
        }
    }

    /// Takes what applies to the next attempt of `deliveryId` to `channelId` at `now`. A failure or a drop, if one
    /// is still due, counts down; so does a place in a reorder window, which a delivery takes once (its resend is
    /// not held again). A duplicate and a signature fault count down only when the attempt is sent.
    func take(channelId: Int, deliveryId: Int64, now: Date) -> Injection? {
        plans.withLock { plans in
            guard var plan = plans[channelId] else { return nil }
            defer { plans[channelId] = plan.isEmpty ? nil : plan }
            var injection = Injection(delay: plan.delay)
            if let window = plan.window, window.held.contains(deliveryId), !window.resent.contains(deliveryId) {
                // The resend of a held delivery, after the window closed: it goes as it is, in its turn.
                plan.window?.resent.insert(deliveryId)
                injection.turn = Turn(channelId: channelId, deliveryId: deliveryId)
                return injection
            }
            if let (count, failure) = plan.failNext {
                injection.fail = failure
                plan.failNext = count > 1 ? (count - 1, failure) : nil
                return injection
            }
            if let (count, resendAfter) = plan.dropNext {
                let until = now.addingTimeInterval(resendAfter.seconds)
                injection.postpone = (until, "injected: dropped, nothing was sent; resent at \(ISO8601.string(from: until))")
                plan.dropNext = count > 1 ? (count - 1, resendAfter) : nil
                return injection
            }
            if let reorder = plan.reorderNext, let held = Self.hold(deliveryId, for: reorder, in: &plan, now: now) {
                injection.postpone = held
                return injection
            }
            if plan.duplicateNext > 0 {
                injection.duplicate = true
                plan.duplicateNext -= 1
            }
            if let (count, fault) = plan.signatureNext {
                injection.signature = fault
                plan.signatureNext = count > 1 ? (count - 1, fault) : nil
            }
            return injection
        }
    }

    /// Holds a delivery in the channel's reorder window, opening one at `now` if none is, and says when to resend
    /// it: the k-th of n held goes `(n - k) x spacing` after the window closes, so the newest arrives first. A
    /// delivery arriving after the window closed is not held, and the fault ends.
    private static func hold(_ deliveryId: Int64, for reorder: (count: Int, window: Duration), in plan: inout Plan, now: Date) -> (Date, String)? {
        let closesAt = plan.window?.closesAt ?? now.addingTimeInterval(reorder.window.seconds)
        guard now <= closesAt else {
            plan.reorderNext = nil
            return nil
        }
        var window = plan.window ?? Window(closesAt: closesAt)
        window.held.append(deliveryId)
        plan.window = window
        let position = window.held.count
        if position == reorder.count { plan.reorderNext = nil }
        let until = closesAt.addingTimeInterval(Double(reorder.count - position) * reorderSpacing.seconds)
        return (
            until,
            "injected: held for a reordered window of \(reorder.count), number \(position) to arrive, resent newest first at \(ISO8601.string(from: until))"
        )
    }

    /// Whether a held delivery's resend may go: every delivery held after it was attempted (or the window is gone).
    func mayGo(_ turn: Turn) -> Bool {
        plans.withLock { plans in plans[turn.channelId]?.window?.mayGo(turn.deliveryId) ?? true }
    }

    /// A held delivery's resend was attempted; once every one was, the fault is over.
    func finished(_ turn: Turn) {
        plans.withLock { plans in
            guard var plan = plans[turn.channelId], var window = plan.window, window.held.contains(turn.deliveryId) else { return }
            window.finished.insert(turn.deliveryId)
            if window.finished.count == window.held.count {
                (plan.window, plan.reorderNext) = (nil, nil)
            } else {
                plan.window = window
            }
            plans[turn.channelId] = plan.isEmpty ? nil : plan
        }
    }
}
