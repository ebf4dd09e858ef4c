/// Conversions of numbers that come from outside (headers, query strings, JSON, flags, files).
///
/// `Int(someDouble)` traps on infinity, NaN and anything beyond `Int.max`; a receiver that answers
/// `Retry-After: 1e20` must not be able to stop npsim. These conversions never trap: they clamp.
extension Int {
    /// `value` rounded towards zero and clamped to `Int`'s range; NaN is 0.
    public init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= 9.2e18 {
            self = .max
        } else if value <= -9.2e18 {
            self = .min
        } else {
            self = Int(value)
        }
    }
}

extension Int64 {
    /// `value` rounded towards zero and clamped to `Int64`'s range; NaN is 0.
    public init(saturating value: Double) {
        self = Int64(Int(saturating: value))
    }
}

extension Duration {
    /// The longest duration npsim ever waits for anything: about a hundred years. Every duration read from
    /// outside is clamped to it, which keeps later arithmetic (adding it to a date, to a clock instant) in range.
    public static let longest = Duration.seconds(100 * 365 * 86_400)

    /// `seconds` as a duration in `0...longest`; NaN and negative values are zero.
    public static func seconds(clamping seconds: Double) -> Duration {
        guard seconds > 0 else { return .zero }
        let limit = Double(longest.components.seconds)
        if seconds >= limit { return longest }
        return .milliseconds(Int64(saturating: seconds * 1000))
    }
}
