/// One try at delivering: what was sent, what came back, and what the dispatcher concluded.
public struct AttemptRecord: Sendable {
    /// What the dispatcher does next.
    public enum Conclusion: Sendable, Equatable {
        case delivered
        /// Try again at this time (epoch milliseconds).
        case retry(atMilliseconds: Int64)
        case failed
        case dead

        /// The outcome's one name: stored with the attempt (`outcome`), logged, and the `outcome` dimension of the
        /// attempt metrics.
        public var outcome: String {
            switch self {
            case .delivered: "delivered"
            case .retry: "retry"
            case .failed: "failed"
            case .dead: "dead"
            }
        }

        /// Where the delivery stands after the attempt.
        public var status: DeliveryStatus {
            switch self {
            case .delivered: .delivered
            case .retry: .pending
            case .failed: .failed
            case .dead: .dead
            }
        }

        /// When the next attempt is due (epoch milliseconds), for a retry.
        public var nextAttemptAt: Int64? {
            if case .retry(let at) = self { return at }
            return nil
        }
    }

    public var deliveryId: Int64
    public var number: Int
    public var startedAt: String
    public var durationMilliseconds: Double
    public var conclusion: Conclusion
    /// Why the dispatcher did or did not retry (shown in the attempt record).
    public var retryNote: String?
    public var exchange: AttemptExchange
    /// Whether the request body is the notification's envelope byte for byte (an `http` channel's is): it is then
    /// not stored again with the attempt, which is read back from the notification.
    public var sentEnvelope: Bool

    public init(
        deliveryId: Int64,
        number: Int,
        startedAt: String,
        durationMilliseconds: Double,
        conclusion: Conclusion,
        retryNote: String?,
        exchange: AttemptExchange,
        sentEnvelope: Bool = false
    ) {
        self.deliveryId = deliveryId
        self.number = number
        self.startedAt = startedAt
        self.durationMilliseconds = durationMilliseconds
        self.conclusion = conclusion
        self.retryNote = retryNote
        self.exchange = exchange
        self.sentEnvelope = sentEnvelope
    }
}
