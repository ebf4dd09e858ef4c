/// Where a delivery of one notification to one channel stands.
public enum DeliveryStatus: String, Sendable, CaseIterable {
    /// Waiting for its first attempt or for its next retry (`next_attempt_at`).
    case pending
    /// Claimed by the dispatcher; a crash leaves it here, and start-up puts it back to `pending`.
    case inFlight = "in_flight"
    case delivered
    /// The target refused it in a way a retry cannot fix (a 4xx other than 408 and 429).
    case failed
    /// Every retry of the schedule was used up: dead-lettered until someone retries it by hand.
    case dead
}
