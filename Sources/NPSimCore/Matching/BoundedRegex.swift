/// A regular expression that answers in time linear in its input, for the patterns users give npsim: channel
/// filters' `$regex` and JSON Schema `pattern`.
///
/// A backtracking engine (Swift's `Regex`, ICU, PCRE) takes exponential time on patterns such as `^(a+)+$`
/// against `aaaa…b`: one such filter once held npsim's single writer for minutes. This engine compiles the pattern
/// to a Thompson NFA and runs all its states in step (the Pike VM without captures), so a match costs at most
/// (program size × input length) steps. Both are bounded: a pattern whose program exceeds
/// ``maximumProgramSize`` is refused when it is saved, and a match that exceeds ``stepBudget`` gives up.
///
/// The syntax is the common core of ECMAScript and PCRE: literals and escapes (`\d \w \s \D \W \S \b \B \t \n \r
/// \xHH \uHHHH`, escaped punctuation), `.`, classes with ranges and negation, `^` and `$`, groups (`(…)`, `(?:…)`,
/// `(?<name>…)`), alternation and the quantifiers `* + ? {n} {n,} {n,m}`, greedy or lazy. What needs
/// backtracking (back-references, look-around) or changes the meaning of the rest (inline flags) is refused with a
/// message naming it.
public struct BoundedRegex: Sendable {
    /// Why a pattern cannot be used.
    public struct Error: Swift.Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Instructions a compiled pattern may hold: `a{1000}` is a thousand.
    public static let maximumProgramSize = 5_000
    /// Steps one match may take; beyond them it gives up. A million steps are about 10 ms of a release build, the
    /// most one value can hold the writer for; real patterns on real values take a few thousand.
    public static let stepBudget = 1_000_000

    let program: [Instruction]

    public init(_ pattern: String) throws(Error) {
        var parser = Parser(scalars: Array(pattern.unicodeScalars))
        let node = try parser.parse()
        var compiler = Compiler()
        try compiler.emit(node)
        compiler.program.append(.match)
        program = compiler.program
    }

    /// Whether the pattern matches anywhere in `text`; `nil` when the step budget ran out first.
    public func firstMatchExists(in text: String) -> Bool? {
        let input = Array(text.unicodeScalars)
        var machine = Machine(program: program, input: input)
        return machine.search()
    }
}

// MARK: - Syntax

extension BoundedRegex {
    enum Assertion: Sendable {
        case start, end, wordBoundary, notWordBoundary
    }

    indirect enum Node {
        case empty
        case scalars(ScalarSet)
        case concatenation([Node])
        case alternation([Node])
        case repetition(Node, minimum: Int, maximum: Int?)
        case assertion(Assertion)
    }

    /// A set of Unicode scalars: ranges, the classes `\d \w \s`, possibly negated.
    struct ScalarSet: Sendable {
        var ranges: [ClosedRange<UInt32>] = []
        var classes: [(ScalarClass, negated: Bool)] = []
        var negated = false

        static func single(_ scalar: Unicode.Scalar) -> ScalarSet { ScalarSet(ranges: [scalar.value...scalar.value]) }
        static let anyButNewline = ScalarSet(ranges: [10...10, 13...13, 0x2028...0x2029], negated: true)

        func contains(_ scalar: Unicode.Scalar) -> Bool {
            let value = scalar.value
            let found = ranges.contains { $0.contains(value) } || classes.contains { $0.0.contains(scalar) != $0.negated }
            return found != negated
        }
    }

    enum ScalarClass: Sendable {
        case digit, word, space

        func contains(_ scalar: Unicode.Scalar) -> Bool {
            switch self {
            case .digit: ("0"..."9").contains(scalar)
            case .word: ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_"
            case .space: scalar.properties.isWhitespace || scalar == "\u{FEFF}"
            }
        }
    }
}
