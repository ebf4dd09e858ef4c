import NPSimCore

/// A delivery the dispatcher has claimed, with everything a target needs to attempt it.
public struct ClaimedDelivery: Sendable {
    public let id: Int64
    public let notificationId: String
    public let channelId: Int
    public let channelType: String
    /// The number this attempt will have (1 for the first).
    public let attemptNumber: Int
    public let source: String
    public let event: String
    /// The envelope's exact bytes, as stored when the notification was accepted.
    public let body: [UInt8]
    /// The channel as it is now (so a fixed URL applies to retries); `nil` if it was deleted.
    public let channel: JSONObject?
}
