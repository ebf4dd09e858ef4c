import Foundation
import NPSimCore

/// How deliveries are attempted: timeouts, the retry schedule and concurrency limits.
///
/// Every value is a setting of `npsim serve` (see docs/configuration.md); the defaults suit a laptop and a CI job.
public struct DeliveryPolicy: Sendable {
    /// How long one attempt may take, connection to last byte (`--delivery-timeout`, default 10 s).
    public var timeout: Duration
    /// Delays before each retry (`--retry-schedule`); its length is the number of retries before dead-lettering.
    public var retrySchedule: [Duration]
    /// Each delay is scaled by a random factor in `1 ± jitter` so that retries of many deliveries spread out.
    public var jitter: Double
    /// Deliveries in flight at once, all channels together.
    public var globalConcurrency: Int
    /// Deliveries in flight at once to one channel, so one slow target cannot take every slot.
    public var perChannelConcurrency: Int
    /// Attempts kept in the database (`--attempt-retention`); the oldest are dropped beyond it.
    public var attemptRetention: Int
    /// Notifications kept (`--notification-retention`); beyond it the oldest finished ones are dropped with their
    /// deliveries and attempts. Notifications with deliveries still pending are always kept.
    public var notificationRetention: Int
    /// The server-wide Standard Webhooks secret (`--webhook-secret`); a channel's `signing_secret` overrides it.
    public var webhookSecret: String?
    /// Attempts beyond ``attemptRetention`` (and notifications beyond ``notificationRetention``) are pruned every
    /// this many recorded attempts, so the attempt table holds at most `attemptRetention + pruneInterval` rows.
    /// A prune of a full table walks `attemptRetention` index entries, so the interval grows with it (2%): at the
    /// default retention that walk costs about a microsecond per attempt rather than fifty.
    public var pruneInterval: Int { max(100, attemptRetention / 50) }
    /// How often due retries are looked for when nothing else wakes the dispatcher.
    public var pollInterval: Duration

    public init(
        timeout: Duration = .seconds(10),
        retrySchedule: [Duration] = [.seconds(1), .seconds(5), .seconds(30), .seconds(120), .seconds(600)],
        jitter: Double = 0.2,
        globalConcurrency: Int = 256,
        perChannelConcurrency: Int = 32,
        attemptRetention: Int = 100_000,
        notificationRetention: Int = 100_000,
        webhookSecret: String? = nil,
        pollInterval: Duration = .milliseconds(100)
    ) {
        self.timeout = timeout
        self.retrySchedule = retrySchedule
        self.jitter = jitter
        self.globalConcurrency = globalConcurrency
        self.perChannelConcurrency = perChannelConcurrency
        self.attemptRetention = attemptRetention
        self.notificationRetention = notificationRetention
        self.webhookSecret = webhookSecret
        self.pollInterval = pollInterval
    }

    /// When attempt `number` (1-based) failed in a retryable way: the time of the next one, or `nil` when the
    /// schedule is used up. A `Retry-After` the target sent wins over the schedule when it is longer, up to
    /// ``retryAfterCeiling``: a receiver cannot park a delivery for years, whatever number or date it sends.
    public func nextAttempt(after number: Int, now: Date, retryAfter: Duration? = nil) -> Date? {
        guard number >= 1, number <= retrySchedule.count else { return nil }
        let planned = retrySchedule[number - 1]
        let factor = jitter > 0 ? Double.random(in: (1 - jitter)...(1 + jitter)) : 1
        var seconds = planned.seconds * factor
        if let retryAfter {
            seconds = max(seconds, min(retryAfter, retryAfterCeiling).seconds)
        }
        return now.addingTimeInterval(seconds)
    }

    /// The longest wait a receiver's `Retry-After` can impose: the schedule's longest delay, or an hour when that
    /// is shorter (a short test schedule must not cut a receiver's one-second throttle to nothing).
    public var retryAfterCeiling: Duration { max(retrySchedule.max() ?? .zero, .seconds(3600)) }

    /// A schedule as `--retry-schedule` takes it: `1s,5s,30s,2m,10m`.
    public static func scheduleText(_ schedule: [Duration]) -> String {
        schedule.map { delay in
            let milliseconds = Int(saturating: delay.milliseconds.rounded())
            if milliseconds % 60_000 == 0, milliseconds > 0 { return "\(milliseconds / 60_000)m" }
            if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
            return "\(milliseconds)ms"
        }.joined(separator: ",")
    }

    /// Parses a schedule such as `1s,5s,30s,2m,10m` or `0.5,5,30` (seconds when no unit is given).
    public static func parseSchedule(_ text: String) throws -> [Duration] {
        try text.split(separator: ",").map { part in
            let item = part.trimmingCharacters(in: .whitespaces)
            let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
            for (suffix, scale) in units where item.hasSuffix(suffix) {
                if let value = Double(item.dropLast(suffix.count)), value >= 0, value.isFinite { return Duration.seconds(clamping: value * scale) }
            }
            guard let value = Double(item), value >= 0, value.isFinite else {
                throw DeliveryConfigurationError("retry schedule entry '\(item)' is not a duration like 500ms, 5s, 2m or 1h")
            }
            return Duration.seconds(clamping: value)
        }
    }
}

/// A delivery setting that cannot be used; the message says which and what is expected.
public struct DeliveryConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
