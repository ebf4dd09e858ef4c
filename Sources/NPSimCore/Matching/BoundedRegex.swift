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

    struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0

        mutating func parse() throws(Error) -> Node {
            let node = try alternation()
            if index < scalars.count { throw Error(description: "unmatched ')' at position \(index + 1)") }
            return node
        }

        private var next: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

        private mutating func alternation() throws(Error) -> Node {
            var branches = [try concatenation()]
            while next == "|" {
                index += 1
                branches.append(try concatenation())
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        private mutating func concatenation() throws(Error) -> Node {
            var items: [Node] = []
            while let scalar = next, scalar != "|", scalar != ")" {
                var atom = try self.atom()
                while let quantifier = try quantifier() {
                    if case .assertion = atom { throw Error(description: "an anchor cannot be repeated (position \(index))") }
                    atom = .repetition(atom, minimum: quantifier.minimum, maximum: quantifier.maximum)
                }
                items.append(atom)
            }
            return items.count == 1 ? items[0] : (items.isEmpty ? .empty : .concatenation(items))
        }

        private mutating func quantifier() throws(Error) -> (minimum: Int, maximum: Int?)? {
            guard let scalar = next else { return nil }
            let bounds: (Int, Int?)
            switch scalar {
            case "*": bounds = (0, nil)
            case "+": bounds = (1, nil)
            case "?": bounds = (0, 1)
            case "{":
                guard let counted = try countedQuantifier() else { return nil }
                bounds = counted
            default: return nil
            }
            if scalar != "{" { index += 1 }
            if next == "?" {
                index += 1  // lazy: the same answer to "is there a match"
            } else if next == "+" {
                throw Error(description: "possessive quantifiers are not supported (position \(index + 1))")
            }
            return bounds
        }

        /// `{n}`, `{n,}` or `{n,m}`; anything else leaves `{` a literal, as ECMAScript and PCRE do.
        private mutating func countedQuantifier() throws(Error) -> (Int, Int?)? {
            var cursor = index + 1
            func number() -> Int? {
                var value = 0
                var digits = 0
                while cursor < scalars.count, let digit = Int(String(scalars[cursor])), ("0"..."9").contains(scalars[cursor]) {
                    value = min(value * 10 + digit, 1_000_000)
                    digits += 1
                    cursor += 1
                }
                return digits > 0 ? value : nil
            }
            guard let minimum = number() else { return nil }
            var maximum: Int? = minimum
            if cursor < scalars.count, scalars[cursor] == "," {
                cursor += 1
                maximum = number()
            }
            guard cursor < scalars.count, scalars[cursor] == "}" else { return nil }
            if let maximum, maximum < minimum { throw Error(description: "{\(minimum),\(maximum)}: the maximum is below the minimum") }
            index = cursor + 1
            return (minimum, maximum)
        }

        private mutating func atom() throws(Error) -> Node {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case "(":
                if next == "?" {
                    index += 1
                    switch next ?? "\0" {
                    case ":": index += 1
                    case "<" where index + 1 < scalars.count && scalars[index + 1] != "=" && scalars[index + 1] != "!",
                        "P" where index + 1 < scalars.count && scalars[index + 1] == "<":
                        while let name = next, name != ">" { index += 1 }
                        guard next == ">" else { throw Error(description: "unterminated group name") }
                        index += 1
                    case "=", "!", "<": throw Error(description: "look-around assertions are not supported: they need backtracking")
                    default: throw Error(description: "inline flags and other (?…) groups are not supported")
                    }
                }
                let inner = try alternation()
                guard next == ")" else { throw Error(description: "missing ')'") }
                index += 1
                return inner
            case "[": return .scalars(try characterClass())
            case ".": return .scalars(.anyButNewline)
            case "^": return .assertion(.start)
            case "$": return .assertion(.end)
            case "\\": return try escape(inClass: false)
            case "*", "+", "?": throw Error(description: "'\(scalar)' at position \(index) has nothing to repeat")
            case "{" where index < scalars.count && ("0"..."9").contains(scalars[index]):
                throw Error(description: "'{' at position \(index) has nothing to repeat")
            default: return .scalars(.single(scalar))
            }
        }

        private mutating func escape(inClass: Bool) throws(Error) -> Node {
            guard let scalar = next else { throw Error(description: "the pattern ends with a lone backslash") }
            index += 1
            var set = ScalarSet()
            switch scalar {
            case "d", "D": set.classes = [(.digit, scalar == "D")]
            case "w", "W": set.classes = [(.word, scalar == "W")]
            case "s", "S": set.classes = [(.space, scalar == "S")]
            case "b" where !inClass: return .assertion(.wordBoundary)
            case "B" where !inClass: return .assertion(.notWordBoundary)
            case "b": return .scalars(.single("\u{8}"))
            case "t": return .scalars(.single("\t"))
            case "n": return .scalars(.single("\n"))
            case "r": return .scalars(.single("\r"))
            case "f": return .scalars(.single("\u{C}"))
            case "v": return .scalars(.single("\u{B}"))
            case "0": return .scalars(.single("\u{0}"))
            case "x": return .scalars(.single(try hex(digits: 2)))
            case "u": return .scalars(.single(try hex(digits: 4)))
            case "1"..."9", "k": throw Error(description: "back-references are not supported: they need backtracking")
            default:
                guard !scalar.properties.isAlphabetic else {
                    throw Error(description: "the escape \\\(scalar) is not supported")
                }
                return .scalars(.single(scalar))
            }
            return .scalars(set)
        }

        private mutating func hex(digits: Int) throws(Error) -> Unicode.Scalar {
            guard index + digits <= scalars.count, let value = UInt32(String(String.UnicodeScalarView(scalars[index..<index + digits])), radix: 16),
                let scalar = Unicode.Scalar(value)
            else { throw Error(description: "a \\x or \\u escape needs \(digits) hexadecimal digits") }
            index += digits
            return scalar
        }

        private mutating func characterClass() throws(Error) -> ScalarSet {
            var set = ScalarSet()
            if next == "^" {
                set.negated = true
                index += 1
            }
            while let scalar = next, scalar != "]" {
                let low: Unicode.Scalar
                index += 1
                if scalar == "\\" {
                    let escaped = try escape(inClass: true)
                    guard case .scalars(let inner) = escaped else { throw Error(description: "unsupported escape in a class") }
                    if inner.ranges.count == 1, inner.classes.isEmpty, let only = Unicode.Scalar(inner.ranges[0].lowerBound) {
                        low = only
                    } else {
                        set.classes += inner.classes
                        continue
                    }
                } else {
                    low = scalar
                }
                if next == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                    index += 1
                    var high = scalars[index]
                    index += 1
                    if high == "\\" {
                        guard case .scalars(let inner) = try escape(inClass: true), inner.classes.isEmpty, inner.ranges.count == 1,
                            let only = Unicode.Scalar(inner.ranges[0].lowerBound)
                        else { throw Error(description: "a class range must end in a single character") }
                        high = only
                    }
                    guard low.value <= high.value else { throw Error(description: "the class range \(low)-\(high) is out of order") }
                    set.ranges.append(low.value...high.value)
                } else {
                    set.ranges.append(low.value...low.value)
                }
            }
            guard next == "]" else { throw Error(description: "missing ']'") }
            index += 1
            return set
        }
    }
}

// MARK: - Program

extension BoundedRegex {
    enum Instruction: Sendable {
        case consume(ScalarSet)
        case split(Int, Int)
        case jump(Int)
        case assert(Assertion)
        case match
    }

    struct Compiler {
        var program: [Instruction] = []

        mutating func emit(_ node: Node) throws(Error) {
            guard program.count <= BoundedRegex.maximumProgramSize else {
                throw Error(
                    description:
                        "the pattern is too large to be bounded (over \(BoundedRegex.maximumProgramSize) states; large {n,m} counts multiply its size)"
                )
            }
            switch node {
            case .empty: break
            case .scalars(let set): program.append(.consume(set))
            case .assertion(let assertion): program.append(.assert(assertion))
            case .concatenation(let items):
                for item in items { try emit(item) }
            case .alternation(let branches):
                var jumps: [Int] = []
                for (offset, branch) in branches.enumerated() {
                    if offset < branches.count - 1 {
                        let split = program.count
                        program.append(.split(split + 1, -1))
                        try emit(branch)
                        jumps.append(program.count)
                        program.append(.jump(-1))
                        program[split] = .split(split + 1, program.count)
                    } else {
                        try emit(branch)
                    }
                }
                for jump in jumps { program[jump] = .jump(program.count) }
            case .repetition(let body, let minimum, let maximum):
                for _ in 0..<minimum { try emit(body) }
                if let maximum {
                    var splits: [Int] = []
                    for _ in minimum..<maximum {
                        splits.append(program.count)
                        program.append(.split(program.count + 1, -1))
                        try emit(body)
                    }
                    for split in splits { program[split] = .split(split + 1, program.count) }
                } else {
                    let loop = program.count
                    program.append(.split(loop + 1, -1))
                    try emit(body)
                    program.append(.jump(loop))
                    program[loop] = .split(loop + 1, program.count)
                }
            }
        }
    }

    /// Runs every NFA state in step over the input: each state is visited at most once per position.
    struct Machine {
        let program: [Instruction]
        let input: [Unicode.Scalar]
        var steps = 0
        var seen: [Int]
        var generation = 0

        init(program: [Instruction], input: [Unicode.Scalar]) {
            self.program = program
            self.input = input
            self.seen = Array(repeating: -1, count: program.count)
        }

        mutating func search() -> Bool? {
            var current: [Int] = []
            var following: [Int] = []
            var stack: [Int] = []
            for position in 0...input.count {
                generation = position
                // A match may start at any position: start a thread here too.
                guard add(0, at: position, to: &current, stack: &stack) else { return nil }
                if current.contains(where: { if case .match = program[$0] { true } else { false } }) { return true }
                guard position < input.count else { break }
                let scalar = input[position]
                generation = position + 1
                following.removeAll(keepingCapacity: true)
                for pc in current {
                    steps += 1
                    if case .consume(let set) = program[pc], set.contains(scalar) {
                        guard add(pc + 1, at: position + 1, to: &following, stack: &stack) else { return nil }
                    }
                }
                if steps > BoundedRegex.stepBudget { return nil }
                swap(&current, &following)
            }
            return false
        }

        /// Adds the state `pc` and everything reachable from it without consuming input; `false` past the budget.
        private mutating func add(_ pc: Int, at position: Int, to list: inout [Int], stack: inout [Int]) -> Bool {
            stack.append(pc)
            while let pc = stack.popLast() {
                steps += 1
                guard seen[pc] != generation else { continue }
                seen[pc] = generation
                switch program[pc] {
                case .jump(let target): stack.append(target)
                case .split(let first, let second):
                    stack.append(second)
                    stack.append(first)
                case .assert(let assertion):
                    if holds(assertion, at: position) { stack.append(pc + 1) }
                case .consume, .match: list.append(pc)
                }
            }
            return steps <= BoundedRegex.stepBudget
        }

        private func holds(_ assertion: Assertion, at position: Int) -> Bool {
            switch assertion {
            case .start: return position == 0
            case .end: return position == input.count
            case .wordBoundary, .notWordBoundary:
                let before = position > 0 && ScalarClass.word.contains(input[position - 1])
                let after = position < input.count && ScalarClass.word.contains(input[position])
                return (before != after) == (assertion == .wordBoundary)
            }
        }
    }
}
