import ArgumentParser
import Foundation

/// Reads `NPSIM_*` variables, the fallback for every flag.
enum Environment {
    static func string(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    static func flag(_ name: String) -> Bool {
        ["1", "true", "yes"].contains(string(name)?.lowercased() ?? "")
    }

    /// A numeric variable; a value that is not a number is an error naming the variable.
    static func number(_ name: String) throws -> Double? {
        guard let text = string(name) else { return nil }
        guard let value = Double(text) else { throw ValidationError("\(name) must be a number, got '\(text)'") }
        return value
    }

    /// A list variable: comma-separated.
    static func list(_ name: String) -> [String] {
        string(name)?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
    }
}
