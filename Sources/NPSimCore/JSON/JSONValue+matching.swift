extension JSONValue {
    /// Whether this value has everything `expected` states: an object matches when each of the expected keys
    /// matches (other keys may exist), an array when it has as many elements and each matches in order, a number
    /// when it is numerically equal (`1` matches `1.0`), anything else when equal. How a test states what a runner
    /// must have reported without repeating what it does not care about.
    public func matches(_ expected: JSONValue) -> Bool {
        switch (self, expected) {
        case (.object(let actual), .object(let wanted)):
            return wanted.allSatisfy { key, value in actual[key].map { $0.matches(value) } ?? false }
        case (.array(let actual), .array(let wanted)):
            return actual.count == wanted.count && zip(actual, wanted).allSatisfy { $0.matches($1) }
        case (.int, .double), (.double, .int), (.double, .double):
            return doubleValue == expected.doubleValue
        default:
            return self == expected
        }
    }
}
