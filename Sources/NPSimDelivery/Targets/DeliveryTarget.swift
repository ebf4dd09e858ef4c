import NPSimCore
import NPSimStore

/// Makes one attempt at delivering a notification to one kind of channel.
///
/// A target only reports what happened and whether a retry could help; the dispatcher owns the schedule,
/// the bookkeeping and the limits.
public protocol DeliveryTarget: Sendable {
    func attempt(_ delivery: ClaimedDelivery) async -> TargetOutcome
}

/// What one attempt did, as it will be stored.
public struct TargetOutcome: Sendable {
    public enum Verdict: Sendable, Equatable {
        case delivered
        /// Worth trying again; `note` says why (shown in the attempt), `retryAfter` is the target's own wish.
        case retryable(note: String, retryAfter: Duration?)
        /// Retrying cannot help.
        case permanent(note: String)
    }

    public var verdict: Verdict
    /// `{"method", "url", "headers"}`, secrets masked.
    public var request: JSONValue
    public var requestBody: [UInt8]
    public var responseStatus: Int?
    public var responseHeaders: JSONValue?
    public var responseBody: [UInt8]?
    public var error: String?
    public var result: JSONValue?

    public init(verdict: Verdict, request: JSONValue, requestBody: [UInt8], responseStatus: Int? = nil, responseHeaders: JSONValue? = nil,
                responseBody: [UInt8]? = nil, error: String? = nil, result: JSONValue? = nil) {
        self.verdict = verdict
        self.request = request
        self.requestBody = requestBody
        self.responseStatus = responseStatus
        self.responseHeaders = responseHeaders
        self.responseBody = responseBody
        self.error = error
        self.result = result
    }
}

/// For channel types npsim cannot deliver to yet: the attempt fails at once and says so.
struct UnsupportedTarget: DeliveryTarget {
    func attempt(_ delivery: ClaimedDelivery) async -> TargetOutcome {
        TargetOutcome(
            verdict: .permanent(note: "not deliverable"), request: ["type": .string(delivery.channelType)], requestBody: delivery.body,
            error: "npsim cannot deliver to '\(delivery.channelType)' channels yet; use an http channel")
    }
}
