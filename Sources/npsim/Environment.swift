import ArgumentParser
import Foundation
import NPSimCore
import NPSimServer

/// Where a setting comes from, in order: its flag, its `NPSIM_*` variable, the config file, the default.
///
/// The variable for `--github-url` is `NPSIM_GITHUB_URL`; the config file (`--config`, JSON or YAML) uses the
/// flag's name as key (`github-url: https://api.github.com`).
struct SettingSources {
    let config: JSONObject

    init(configPath: String?) throws {
        guard let path = configPath ?? ProcessInfo.processInfo.environment["NPSIM_CONFIG"] else {
            config = JSONObject()
            return
        }
        guard case .object(let object) = try DocumentFile.parse(file: path) else {
            throw ValidationError("config file \(path) must hold an object of settings")
        }
        config = object
    }

    static func variable(_ name: String) -> String {
        "NPSIM_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    func string(_ flag: String?, _ name: String) -> String? {
        if let flag { return flag }
        if let value = ProcessInfo.processInfo.environment[Self.variable(name)], !value.isEmpty { return value }
        switch config[name] {
        case .string(let text)?: return text
        case .int(let number)?: return String(number)
        case .double(let number)?: return String(number)
        case .bool(let flag)?: return String(flag)
        default: return nil
        }
    }

    /// A list setting: repeated flags, a comma-separated variable, or an array in the config file.
    func list(_ flags: [String], _ name: String) -> [String] {
        if !flags.isEmpty { return flags }
        if let value = ProcessInfo.processInfo.environment[Self.variable(name)], !value.isEmpty {
            return value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        return config[name]?.arrayValue?.compactMap(\.stringValue) ?? string(nil, name).map { [$0] } ?? []
    }

    func flag(_ flag: Bool, _ name: String) -> Bool {
        flag || ["1", "true", "yes"].contains(string(nil, name)?.lowercased() ?? "")
    }

    func number(_ flag: Double?, _ name: String) throws -> Double? {
        guard let text = string(flag.map { String($0) }, name) else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw ValidationError("--\(name) (\(Self.variable(name))) must be a finite number, got '\(text)'")
        }
        return value
    }

    /// A duration setting given in seconds: positive (or zero when allowed), finite.
    func seconds(_ flag: Double?, _ name: String, allowingZero: Bool = false) throws -> Duration? {
        guard let value = try number(flag, name) else { return nil }
        guard value > 0 || (allowingZero && value == 0) else {
            throw ValidationError("--\(name) must be \(allowingZero ? "zero or more" : "positive"), got \(value)")
        }
        return .seconds(clamping: value)
    }
}
