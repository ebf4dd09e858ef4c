import NPSimCore

/// What went over the wire in one attempt: the request as sent and what came back.
public struct AttemptExchange: Sendable {
    /// `{"method", "url", "headers"}` (or a target's equivalent), secrets masked.
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

    public init(
        request: JSONValue,
        requestBody: [UInt8],
        responseStatus: Int? = nil,
        responseHeaders: JSONValue? = nil,
        responseBody: [UInt8]? = nil,
        error: String? = nil,
        result: JSONValue? = nil
    ) {
        self.request = request
        self.requestBody = requestBody
        self.responseStatus = responseStatus
        self.responseHeaders = responseHeaders
        self.responseBody = responseBody
        self.error = error
        self.result = result
    }
}
