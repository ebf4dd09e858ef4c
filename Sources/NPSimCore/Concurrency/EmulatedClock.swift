import Foundation
import Synchronization

/// The time npsim schedules by: when actions and notifications are stamped, and when retries fall due. With
/// `--clock manual` a test moves it ahead (`POST /_npsim/clock/advance`), so that a retry ten minutes away falls due
/// at once and due retries fire in the order they are due, without waiting. It still runs forward with the wall
/// clock in between, so records keep their order. Signatures (`webhook-timestamp`) and tokens use the wall clock.
public final class EmulatedClock: Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        /// The wall clock; it cannot be moved.
        case system
        /// The wall clock plus what tests advanced it by.
        case manual
    }

    public let mode: Mode
    private let offset = Mutex<Double>(0)

    /// The longest single advance: ten years, far beyond any retry schedule.
    public static let longestAdvance: Double = 10 * 365 * 86_400

    public init(mode: Mode = .system) {
        self.mode = mode
    }

    public func now() -> Date {
        mode == .system ? Date() : Date().addingTimeInterval(offset.withLock { $0 })
    }

    /// How far ahead of the wall clock it is, in seconds.
    public var advanced: Double { offset.withLock { $0 } }

    /// Moves the clock ahead; refused on the system clock and for anything but a finite number of seconds in
    /// `0 ... longestAdvance`.
    public func advance(by seconds: Double) throws(APIError) {
        guard mode == .manual else {
            throw APIError.conflict("npsim runs on the system clock; start it with --clock manual to move time ahead")
        }
        guard seconds.isFinite, seconds >= 0, seconds <= Self.longestAdvance else {
            throw APIError.validation("seconds must be a number from 0 to \(Int(Self.longestAdvance)), got \(seconds)")
        }
        offset.withLock { $0 += seconds }
    }
}
