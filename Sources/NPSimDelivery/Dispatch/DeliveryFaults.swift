import NPSimCore
import NPSimStore
import Synchronization

/// Faults a test injects into the deliveries of a channel (`PUT /_npsim/faults/channels/{id}`), to see how a
/// runner copes: the next attempts failing without being sent, each notification sent twice, a delay before each
/// attempt. Kept in memory, until cleared; every attempt a fault touched says so in its record.
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

    /// The faults of one channel.
    public struct Plan: Sendable {
        /// The next attempts fail this way, without being sent.
        public var failNext: (count: Int, as: Failure)?
        /// The next notifications delivered are sent a second time, identical (the same `webhook-id`).
        public var duplicateNext = 0
        /// Each attempt waits this long first.
        public var delay: Duration?

        public init(parsing body: JSONValue) throws {
            guard case .object(let object) = body else { throw APIError.validation("faults must be a JSON object") }
            let known: Set<String> = ["fail_next", "duplicate_next", "delay"]
            if let unknown = object.keys.first(where: { !known.contains($0) }) {
                throw APIError.validation("fault '\(unknown)' is unknown; use \(known.sorted().joined(separator: ", "))")
            }
            if let fail = object["fail_next"] {
                guard let count = fail["count"]?.intValue, (1...1000).contains(count), let failure = fail["as"] else {
                    throw APIError.validation("fail_next needs count (1 to 1000) and as (a status, \"timeout\" or \"reset\")")
                }
                failNext = (count, try Failure(parsing: failure))
            }
            if let duplicate = object["duplicate_next"] {
                guard let count = duplicate.intValue, (0...1000).contains(count) else {
                    throw APIError.validation("duplicate_next must be a whole number from 0 to 1000")
                }
                duplicateNext = count
            }
            if let delay = object["delay"] {
                guard let seconds = delay.doubleValue, seconds.isFinite, seconds >= 0, seconds <= 300 else {
                    throw APIError.validation("delay must be a number of seconds from 0 to 300, got \(JSONWriter.string(delay))")
                }
                self.delay = .milliseconds(Int64((seconds * 1000).rounded()))
            }
        }

        var json: JSONValue {
            var object: JSONObject = ["duplicate_next": .int(duplicateNext), "delay": delay.map { .double($0.seconds) } ?? .null]
            object["fail_next"] = failNext.map { ["count": .int($0.count), "as": $0.as.json] } ?? .null
            return .object(object)
        }

        var isEmpty: Bool { failNext == nil && duplicateNext == 0 && delay == nil }
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

    /// What the faults make of one attempt.
    struct Injection: Sendable {
        var fail: Failure?
        var duplicate = false
        var delay: Duration?
    }

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

    /// Takes what applies to the next attempt to `channelId`: a failure, if one is still due, counts down; a
    /// duplicate counts down only when the attempt is sent (not failed by a fault).
    func take(channelId: Int) -> Injection? {
        plans.withLock { plans in
            guard var plan = plans[channelId] else { return nil }
            var injection = Injection(delay: plan.delay)
            if let (count, failure) = plan.failNext {
                injection.fail = failure
                plan.failNext = count > 1 ? (count - 1, failure) : nil
            } else if plan.duplicateNext > 0 {
                injection.duplicate = true
                plan.duplicateNext -= 1
            }
            plans[channelId] = plan.isEmpty ? nil : plan
            return injection
        }
    }
}
