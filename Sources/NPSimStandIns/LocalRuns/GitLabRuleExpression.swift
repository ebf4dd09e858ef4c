import Foundation

/// The `rules: - if:` expressions of `.gitlab-ci.yml`: `$VAR`, `"string"`, `/regex/`, `null`, compared with `==`,
/// `!=`, `=~`, `!~`, joined with `&&` and `||` (`&&` binds tighter). Parentheses are not supported: such an
/// expression fails the run with a message instead of being guessed at.
struct GitLabRuleExpression {
    private enum Token: Equatable {
        case variable(String)
        case string(String)
        case regex(String)
        case null
        case op(String)
    }

    let source: String

    /// Whether the expression holds for `variables`.
    func evaluate(_ variables: [String: String]) throws(UnsupportedByLocalRun) -> Bool {
        alternatives: for alternative in split(try tokenize(), on: "||") {
            for comparison in split(alternative, on: "&&") where try !holds(comparison, variables) { continue alternatives }
            return true
        }
        return false
    }

    private func holds(_ tokens: [Token], _ variables: [String: String]) throws(UnsupportedByLocalRun) -> Bool {
        func value(_ token: Token) -> String? {
            switch token {
            case .variable(let name): variables[name]
            case .string(let text), .regex(let text): text
            default: nil
            }
        }
        switch tokens.count {
        case 1:
            guard case .variable = tokens[0] else { throw unsupported }
            return !(value(tokens[0]) ?? "").isEmpty
        case 3:
            guard case .op(let op) = tokens[1] else { throw unsupported }
            let (left, right) = (value(tokens[0]), value(tokens[2]))
            switch op {
            case "==": return left == right
            case "!=": return left != right
            case "=~", "!~":
                guard case .regex(let pattern) = tokens[2], let regex = try? NSRegularExpression(pattern: pattern) else { throw unsupported }
                let text = left ?? ""
                let matches = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
                return op == "=~" ? matches : !matches
            default: throw unsupported
            }
        default: throw unsupported
        }
    }

    private var unsupported: UnsupportedByLocalRun {
        UnsupportedByLocalRun(message: "the rule 'if: \(source)' uses syntax npsim's local GitLab executor does not evaluate (parentheses?)")
    }

    private func split(_ tokens: [Token], on op: String) -> [[Token]] {
        tokens.split(separator: .op(op), omittingEmptySubsequences: false).map(Array.init)
    }

    private func tokenize() throws(UnsupportedByLocalRun) -> [Token] {
        var tokens: [Token] = []
        var rest = Substring(source)
        while let first = rest.first {
            if first.isWhitespace {
                rest = rest.dropFirst()
            } else if first == "$" {
                let name = rest.dropFirst().prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                tokens.append(.variable(String(name.hasPrefix("{") ? name.dropFirst() : name)))
                rest = rest.dropFirst(1 + name.count)
            } else if first == "\"" || first == "'" || first == "/" {
                guard let end = rest.dropFirst().firstIndex(of: first) else { throw unsupported }
                let text = String(rest[rest.index(after: rest.startIndex)..<end])
                tokens.append(first == "/" ? .regex(text) : .string(text))
                rest = rest[rest.index(after: end)...]
                if first == "/" { rest = rest.drop { $0 == "i" } }
            } else if rest.hasPrefix("null") {
                tokens.append(.null)
                rest = rest.dropFirst(4)
            } else if let op = ["==", "!=", "=~", "!~", "&&", "||"].first(where: { rest.hasPrefix($0) }) {
                tokens.append(.op(op))
                rest = rest.dropFirst(2)
            } else {
                throw unsupported
            }
        }
        return tokens
    }
}
