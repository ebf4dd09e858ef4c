import Testing

@testable import NPSimCore

/// ``BoundedRegex`` against Swift's own engine on patterns both accept, and on what only a backtracking engine
/// cannot do in time.
@Suite struct BoundedRegexTests {
    @Test(arguments: [
        ("^[a-z0-9-]{1,63}$", ["orders-db", "", "Orders", String(repeating: "a", count: 64), "a-1"]),
        ("^\\d+(\\.\\d+)?$", ["8", "8.4", "8.", ".4", "10.25"]),
        ("prod|staging", ["my-prod-db", "stage", "staging"]),
        ("^(small|medium|large)$", ["small", "huge", "medium ", "large"]),
        ("\\bdb\\b", ["my db here", "mydb", "db"]),
        ("^[^@]+@[^@]+\\.[a-z]{2,}$", ["a@b.io", "a@b", "@b.io"]),
        ("colou?r", ["color", "colour", "colr"]),
        ("^a{2,3}$", ["a", "aa", "aaa", "aaaa"]),
        ("[\\s]+x", ["  x", "x", "\tx"]),
        ("(?:ab)+c", ["ababc", "ac", "abc"]),
        ("a.c", ["abc", "a\nc", "ac"]),
    ])
    func agreesWithSwiftRegex(pattern: String, inputs: [String]) throws {
        let bounded = try BoundedRegex(pattern)
        let reference = try Regex(pattern)
        for input in inputs {
            #expect(bounded.firstMatchExists(in: input) == ((try? reference.firstMatch(in: input)) != nil), "\(pattern) on \(input.debugDescription)")
        }
    }

    @Test func exponentialPatternsRunInLinearTime() throws {
        let regex = try BoundedRegex("^(a+)+$")
        let clock = ContinuousClock.now
        #expect(regex.firstMatchExists(in: String(repeating: "a", count: 10_000) + "b") == false)
        #expect(regex.firstMatchExists(in: String(repeating: "a", count: 10_000)) == true)
        #expect(ContinuousClock.now - clock < .seconds(2))
    }

    @Test func aMatchPastTheBudgetGivesUp() throws {
        let regex = try BoundedRegex("(a|b|c|d|e)*x{0,40}y")
        #expect(regex.firstMatchExists(in: String(repeating: "abcde", count: 100_000)) == nil)
    }

    @Test(arguments: [
        "(a)\\1", "(?=a)", "(?!a)", "(?<=a)b", "(?<!a)b", "(?i)a", "a{2,1}", "(a", "a)", "[a", "*a", "a++", "\\k<x>", "\\q", "x{100000}",
    ])
    func whatCannotBeBoundedIsRefused(pattern: String) {
        #expect(throws: BoundedRegex.Error.self) { try BoundedRegex(pattern) }
    }
}
