import Foundation
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
        /// Not attempted now, but at `until`, whatever the retry schedule says: what an injected drop or reorder
        /// fault makes of an attempt.
        case postponed(note: String, until: Date)
    }

    public var verdict: Verdict
    public var exchange: AttemptExchange

    public init(verdict: Verdict, exchange: AttemptExchange) {
        self.verdict = verdict
        self.exchange = exchange
    }
}

/// For channel types npsim cannot deliver to yet: the attempt fails at once and says so.
struct UnsupportedTarget: DeliveryTarget {
    func attempt(_ delivery: ClaimedDelivery) async -> TargetOutcome {
        TargetOutcome(
            verdict: .permanent(note: "not deliverable"),
            exchange: AttemptExchange(
                request: ["type": .string(delivery.channelType)],
                requestBody: delivery.body,
                error: "npsim cannot deliver to '\(delivery.channelType)' channels yet; use an http, github, gitlab, azure or agent channel"
            )
        )
    }
}
