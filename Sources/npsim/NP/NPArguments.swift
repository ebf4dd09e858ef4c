/// A parsed `np` command line: the command's words (`service action update`) and its `--flags`.
///
/// nullplatform's CLI takes `--flag value` and `--flag=value`; boolean flags take no value (`--live-output`) or an
/// explicit `=true|false`. Which flags are boolean depends on the command, so words are read first and flags once
/// the command is known.
struct NPArguments: Sendable {
    var words: [String]
    var flags: [String: String]

    /// The words before the first flag.
    static func words(of arguments: [String]) -> [String] {
        Array(arguments.prefix { !$0.hasPrefix("-") })
    }

    /// Reads the flags after `wordCount` words; `booleans` take no separate value.
    static func parse(_ arguments: [String], wordCount: Int, booleans: Set<String>) throws -> NPArguments {
        var flags: [String: String] = [:]
        var rest = arguments.dropFirst(wordCount)[...]
        while let argument = rest.popFirst() {
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw NPFailure.usage("unexpected argument '\(argument)': every value is given to a --flag")
            }
            let text = argument.dropFirst(2)
            if let equals = text.firstIndex(of: "=") {
                flags[String(text[..<equals])] = String(text[text.index(after: equals)...])
            } else if booleans.contains(String(text)) {
                flags[String(text)] = "true"
            } else {
                guard let value = rest.popFirst() else { throw NPFailure.usage("flag --\(text) needs a value") }
                flags[String(text)] = value
            }
        }
        return NPArguments(words: Array(arguments.prefix(wordCount)), flags: flags)
    }

    /// A boolean flag's value: absent is false; `true`/`false`/`1`/`0` otherwise.
    func bool(_ name: String) throws -> Bool {
        guard let value = flags[name] else { return false }
        switch value.lowercased() {
        case "true", "1", "": return true
        case "false", "0": return false
        default: throw NPFailure.usage("flag --\(name) is true or false, got '\(value)'")
        }
    }

    func required(_ name: String) throws -> String {
        guard let value = flags[name], !value.isEmpty else { throw NPFailure.usage("flag --\(name) is required") }
        return value
    }
}

/// Why an `np` command failed, and the exit code it ends with: 1 for a refused call or a failed step, 2 for a
/// command line the CLI cannot run.
enum NPFailure: Error, CustomStringConvertible {
    case usage(String)
    case failed(String)
    case exit(Int32)

    var description: String {
        switch self {
        case .usage(let message), .failed(let message): message
        case .exit(let code): "exited with \(code)"
        }
    }

    var exitCode: Int32 {
        switch self {
        case .usage: 2
        case .failed: 1
        case .exit(let code): code
        }
    }
}
