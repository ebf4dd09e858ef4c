import ArgumentParser
import NPSimCore

/// `key=value` arguments as a JSON object. Where a schema says what a key holds, the value is read as that type
/// (`version=8.4` stays the string "8.4" when the schema says string); otherwise a value that parses as JSON
/// (`3`, `true`, `["a"]`) keeps its type and anything else is a string.
enum KeyValues {
    static func object(_ pairs: [String], option: String, schema: JSONValue? = nil) throws -> JSONObject {
        var object = JSONObject()
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--\(option) must look like key=value, got '\(pair)'") }
            let (key, text) = (parts[0], parts[1])
            if schema?["properties"]?[key]?["type"] == "string" {
                object[key] = .string(text)
                continue
            }
            let parsed: JSONValue? = try? JSONParser.parse(text)
            switch parsed {
            case .int?, .double?, .bool?, .array?, .object?, .null?: object[key] = parsed
            default: object[key] = .string(text)
            }
        }
        return object
    }
}
