/// Reads nullplatform's own keywords out of a specification's JSON schema.
public enum SchemaAnnotations {
    /// Top-level properties marked `secret: true` or `export: {secret: true}`: hidden in reads unless
    /// the client asks with `include_secret_attributes=true`.
    public static func secretProperties(of schema: JSONValue?) -> Set<String> {
        var names: Set<String> = []
        for (name, property) in schema?["properties"]?.objectValue ?? JSONObject() {
            if property["secret"] == .bool(true) || property["export"]?["secret"] == .bool(true) {
                names.insert(name)
            }
        }
        return names
    }

    /// Maps result properties that carry `target` to the attribute each one fills:
    /// `"endpoint": {"type": "string", "target": "redis_endpoint"}` copies `results.endpoint` to
    /// `attributes.redis_endpoint`.
    public static func resultTargets(of schema: JSONValue?) -> [(result: String, attribute: String)] {
        (schema?["properties"]?.objectValue ?? JSONObject()).compactMap { name, property in
            property["target"]?.stringValue.map { (name, $0) }
        }
    }

    /// Replaces the values of secret properties with `null`, as the real API does in reads.
    public static func masking(_ attributes: JSONValue, secrets: Set<String>) -> JSONValue {
        guard !secrets.isEmpty, case .object(var object) = attributes else { return attributes }
        for name in secrets where object[name] != nil { object[name] = .null }
        return .object(object)
    }
}
