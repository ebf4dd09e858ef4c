/// The notification channel types, with the configuration each one needs.
public enum ChannelType: String, Sendable, CaseIterable {
    case http, github, gitlab, azure, agent, bitbucket, slack

    /// Value used in place of a secret when a channel is read back.
    public static let mask = "********"

    /// Checks a channel's `configuration`, naming the first missing or wrong field.
    public func validate(configuration: JSONObject) throws(APIError) {
        func require(_ name: String, _ check: (JSONValue) -> Bool, _ expected: String) throws(APIError) {
            guard let value = configuration[name] else {
                throw .validation("configuration.\(name) is required for a \(rawValue) channel")
            }
            guard check(value) else {
                throw .validation("configuration.\(name) must be \(expected), got \(value.typeName)")
            }
        }
        let nonEmptyString: (JSONValue) -> Bool = { !($0.stringValue ?? "").isEmpty }
        let idLike: (JSONValue) -> Bool = { $0.intValue != nil || !($0.stringValue ?? "").isEmpty }
        switch self {
        case .http:
            try require(
                "url",
                { value in
                    guard let url = value.stringValue, let scheme = url.split(separator: ":").first?.lowercased() else { return false }
                    return (scheme == "http" || scheme == "https") && url.contains("://") && url.count > scheme.count + 3
                },
                "an absolute http:// or https:// URL"
            )
            if let headers = configuration["headers"] {
                guard let object = headers.objectValue, object.allSatisfy({ $0.value.stringValue != nil }) else {
                    throw .validation("configuration.headers must be an object of string values")
                }
            }
        case .github:
            for name in ["account", "repository", "reference", "workflow_id"] { try require(name, nonEmptyString, "a non-empty string") }
            if configuration["installation_id"] != nil { try require("installation_id", idLike, "an integer or a string") }
        case .gitlab:
            try require("project_id", idLike, "an integer or a string")
            try require("reference", nonEmptyString, "a non-empty string")
        case .azure:
            for name in ["organization", "project", "reference"] { try require(name, nonEmptyString, "a non-empty string") }
            try require("pipeline_id", { $0.intValue != nil || Int($0.stringValue ?? "") != nil }, "an integer")
        case .bitbucket:
            for name in ["workspace", "repository", "reference", "pipeline"] { try require(name, nonEmptyString, "a non-empty string") }
        case .slack:
            try require("channels", { $0.arrayValue?.allSatisfy { $0.stringValue != nil } ?? false }, "an array of strings")
        case .agent:
            try require("command", { $0.objectValue != nil }, "an object")
            let command = configuration["command"]!
            guard let type = command["type"]?.stringValue, ["exec", "package-exec"].contains(type) else {
                throw .validation("configuration.command.type must be exec or package-exec")
            }
            guard let cmdline = command["data"]?["cmdline"]?.stringValue, !cmdline.isEmpty else {
                throw .validation("configuration.command.data.cmdline is required for an agent channel")
            }
            if let selector = configuration["selector"], selector.objectValue == nil {
                throw .validation("configuration.selector must be an object of tags, got \(selector.typeName)")
            }
        }
        if let secret = configuration["signing_secret"], secret.stringValue == nil {
            throw .validation("configuration.signing_secret must be a string, got \(secret.typeName)")
        }
    }

    /// The channel as a client may see it: header values, API keys and signing secrets replaced by ``mask``.
    public static func masked(configuration: JSONObject) -> JSONObject {
        var result = configuration
        if case .object(var headers) = configuration["headers"] {
            for key in headers.keys { headers[key] = .string(mask) }
            result["headers"] = .object(headers)
        }
        for key in ["api_key", "signing_secret", "token", "private_key"] where result[key]?.stringValue != nil {
            result[key] = .string(mask)
        }
        return result
    }

    /// Applies a `PATCH` of a configuration. Secrets echoed back masked keep their stored value, so a client
    /// can send back what it read without wiping them.
    public static func patched(configuration current: JSONObject, with change: JSONObject) -> JSONObject {
        var merged = current.deepMerged(with: change)
        if case .object(let headers) = change["headers"], case .object(let stored) = current["headers"] {
            var result = merged["headers"]?.objectValue ?? JSONObject()
            for (key, value) in headers where value == .string(mask) { result[key] = stored[key] }
            merged["headers"] = .object(result)
        }
        for key in ["api_key", "signing_secret", "token", "private_key"] where change[key] == .string(mask) {
            merged[key] = current[key]
        }
        return merged
    }
}
