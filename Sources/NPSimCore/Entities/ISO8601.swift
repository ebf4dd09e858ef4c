import Foundation

/// Timestamps as nullplatform writes them: ISO 8601 in UTC with milliseconds (`2024-05-02T20:56:35.389Z`).
public enum ISO8601 {
    public static func string(from date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Milliseconds since the epoch, as the envelope's top-level `created_at` carries them.
    public static func epochMilliseconds(_ date: Date) -> String {
        String(Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
