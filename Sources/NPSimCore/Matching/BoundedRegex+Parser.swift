/// The pattern's syntax, read into a ``BoundedRegex/Node`` tree; what the engine cannot bound is refused here.
extension BoundedRegex {
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
