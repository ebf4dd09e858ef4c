import NPSimCore

/// One try at delivering: what was sent, what came back, and what the dispatcher concluded.
public struct AttemptRecord: Sendable {
    /// What the dispatcher does next.
    public enum Conclusion: Sendable, Equatable {
        case delivered
        /// Try again at this time (epoch milliseconds).
        case retry(atMilliseconds: Int64)
        case failed
        case dead

        public var isRetry: Bool {
            if case .retry = self { return true }
            return false
        }
    }

    public var deliveryId: Int64
    public var number: Int
    public var startedAt: String
    public var durationMilliseconds: Double
    public var conclusion: Conclusion
    /// Whether the dispatcher judged the failure retryable, and why (shown in the attempt record).
    public var retryNote: String?
    /// `{"method", "url", "headers"}` with secrets masked.
    public var request: JSONValue
    /// The exact bytes sent.
    public var requestBody: [UInt8]
    public var responseStatus: Int?
    public var responseHeaders: JSONValue?
    /// At most the first 64 KiB.
    public var responseBody: [UInt8]?
    public var error: String?
    /// Target-specific outcome (an agent's exit code, a provider's run id), shown in `/notification/{id}/result`.
    public var result: JSONValue?

    public init(deliveryId: Int64, number: Int, startedAt: String, durationMilliseconds: Double, conclusion: Conclusion, retryNote: String? = nil,
                request: JSONValue, requestBody: [UInt8], responseStatus: Int? = nil, responseHeaders: JSONValue? = nil,
                responseBody: [UInt8]? = nil, error: String? = nil, result: JSONValue? = nil) {
        self.deliveryId = deliveryId
        self.number = number
        self.startedAt = startedAt
        self.durationMilliseconds = durationMilliseconds
        self.conclusion = conclusion
        self.retryNote = retryNote
        self.request = request
        self.requestBody = requestBody
        self.responseStatus = responseStatus
        self.responseHeaders = responseHeaders
        self.responseBody = responseBody
        self.error = error
        self.result = result
    }
}
