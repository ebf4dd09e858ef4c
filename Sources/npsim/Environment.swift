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

    /// A list variable: comma-separated.
    static func list(_ name: String) -> [String] {
        string(name)?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
    }
}
