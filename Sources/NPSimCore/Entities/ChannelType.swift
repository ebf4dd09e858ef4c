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
                for (name, value) in object {
                    guard Self.isHeaderName(name) else {
                        throw .validation(
                            "configuration.headers: '\(name)' is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only)"
                        )
                    }
                    guard Self.isHeaderValue(value.stringValue ?? "") else {
                        throw .validation("configuration.headers.\(name) must not contain line breaks or other control characters")
                    }
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
            let command = configuration["command"] ?? [:]
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

    /// The channel as a client may see it: header values, API keys, signing secrets, a URL's password and
    /// token-like query values, and agent environment values (but for `${...}` references and the names listed in
    /// `command.data.public_environment`) replaced by ``mask``.
    public static func masked(configuration: JSONObject) -> JSONObject {
        var result = configuration
        if case .object(var headers) = configuration["headers"] {
            for key in headers.keys { headers[key] = .string(mask) }
            result["headers"] = .object(headers)
        }
        for key in ["api_key", "signing_secret", "token", "private_key"] where result[key]?.stringValue != nil {
            result[key] = .string(mask)
        }
        if let url = configuration["url"]?.stringValue { result["url"] = .string(maskedURL(url)) }
        if case .object(var command) = configuration["command"], case .object(var data) = command["data"], let environment = data["environment"] {
            let visible = Set(data["public_environment"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            data["environment"] = mapEnvironment(environment) { name, value in
                visible.contains(name) || (value.hasPrefix("${") && value.hasSuffix("}")) ? value : mask
            }
            command["data"] = .object(data)
            result["command"] = .object(command)
        }
        return result
    }

    /// `url` with the password of its user information (or the whole of it, when it is a bare token) and the values
    /// of token-like query parameters replaced by ``mask``.
    public static func maskedURL(_ url: String) -> String {
        // Most URLs carry neither user information nor a query: every delivery attempt records its URL.
        guard url.utf8.contains(where: { $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: "?") }) else { return url }
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = String(rest[..<authorityEnd])
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            let hidden = userInfo.firstIndex(of: ":").map { "\(userInfo[..<$0]):\(mask)" } ?? mask
            authority = hidden + authority[at...]
        }
        var tail = String(rest[authorityEnd...])
        if let question = tail.firstIndex(of: "?") {
            let fragmentStart = tail[question...].firstIndex(of: "#") ?? tail.endIndex
            let query = tail[tail.index(after: question)..<fragmentStart].split(separator: "&", omittingEmptySubsequences: false).map { pair in
                let name = pair.prefix { $0 != "=" }
                let secret = secretQueryWords.contains { name.lowercased().contains($0) }
                return secret && name.count < pair.count ? "\(name)=\(mask)" : String(pair)
            }
            tail = tail[..<question] + "?" + query.joined(separator: "&") + tail[fragmentStart...]
        }
        return url[..<schemeEnd.upperBound] + authority + tail
    }

    static let secretQueryWords = ["token", "secret", "key", "password", "passwd", "pwd", "signature", "sig", "auth", "credential"]

    /// Applies `transform` to each value of an agent `environment`, held as an object or (as Terraform stores it) as
    /// a JSON string of one; the result keeps the form it came in.
    static func mapEnvironment(_ environment: JSONValue, _ transform: (String, String) -> String) -> JSONValue {
        guard var object = environmentObject(environment) else { return environment }
        for (name, value) in object {
            object[name] = .string(transform(name, value.stringValue ?? JSONWriter.string(value)))
        }
        if case .string = environment { return .string(JSONWriter.string(.object(object))) }
        return .object(object)
    }

    /// An agent `environment` as an object, whether it is held as one or as a JSON string of one.
    static func environmentObject(_ environment: JSONValue) -> JSONObject? {
        switch environment {
        case .object(let object): object
        case .string(let text): (try? JSONParser.parse(text))?.objectValue
        default: nil
        }
    }

    /// An HTTP header name: a token of RFC 9110.
    static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
    }

    /// An HTTP header value: no control characters but horizontal tab (so no CR or LF to split the request with).
    static func isHeaderValue(_ value: String) -> Bool {
        value.unicodeScalars.allSatisfy { $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7F) }
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
        if let url = current["url"]?.stringValue, change["url"] == .string(maskedURL(url)) { merged["url"] = .string(url) }
        if let environment = change["command"]?["data"]?["environment"], let stored = current["command"]?["data"]?["environment"],
            case .object(var command) = merged["command"], case .object(var data) = command["data"]
        {
            let storedObject = environmentObject(stored) ?? JSONObject()
            data["environment"] = mapEnvironment(environment) { name, value in
                value == mask ? storedObject[name]?.stringValue ?? value : value
            }
            command["data"] = .object(data)
            merged["command"] = .object(command)
        }
        return merged
    }
}
