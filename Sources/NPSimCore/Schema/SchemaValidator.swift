/// Checks a JSON value against the subset of JSON Schema that nullplatform specifications use.
///
/// Supported keywords: `type` (a name or a list), `required`, `properties`, `additionalProperties`
/// (boolean or schema), `enum`, `const`, `pattern`, `minLength`/`maxLength`, `minimum`/`maximum`,
/// `exclusiveMinimum`/`exclusiveMaximum`, `items`, `minItems`/`maxItems`. nullplatform's own keywords
/// (`secret`, `export`, `target`, `visibleOn`, `editableOn`, ...) are annotations and never fail a value.
/// The first violation is reported with the dotted path of the field that caused it.
public enum SchemaValidator {
    public static func validate(_ value: JSONValue, against schema: JSONValue, at path: String) throws(APIError) {
        guard case .object(let schema) = schema else { return }
        try check(value, schema, path)
    }

    /// Refuses a schema whose `pattern`s cannot be matched within a bound (see ``BoundedRegex``), naming where.
    /// Run when a schema is saved, so that no later request can stall on it.
    public static func checkPatterns(in schema: JSONValue, at path: String) throws(APIError) {
        switch schema {
        case .object(let object):
            for (key, value) in object {
                if key == "pattern", let pattern = value.stringValue {
                    do { _ = try BoundedRegex(pattern) } catch {
                        throw APIError.validation("\(path).pattern cannot be used: \(error.description)")
                    }
                } else {
                    try checkPatterns(in: value, at: "\(path).\(key)")
                }
            }
        case .array(let items):
            for (index, item) in items.enumerated() { try checkPatterns(in: item, at: "\(path)[\(index)]") }
        default:
            break
        }
    }

    private static func fail(_ path: String, _ message: String) -> APIError {
        .validation("\(path): \(message)")
    }

    private static func matchesType(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("boolean", .bool), ("object", .object), ("array", .array), ("null", .null): true
        case ("integer", .int): true
        case ("integer", .double(let d)): d.rounded() == d
        case ("number", .int), ("number", .double): true
        default: false
        }
    }

    private static func check(_ value: JSONValue, _ schema: JSONObject, _ path: String) throws(APIError) {
        if let type = schema["type"] {
            let allowed = type.arrayValue?.compactMap(\.stringValue) ?? type.stringValue.map { [$0] } ?? []
            if !allowed.isEmpty, !allowed.contains(where: { matchesType(value, $0) }) {
                throw fail(path, "must be of type \(allowed.joined(separator: " or ")), got \(value.typeName)")
            }
        }
        if let options = schema["enum"]?.arrayValue, !options.contains(where: { $0.jsonEquals(value) }) {
            throw fail(path, "must be one of \(JSONWriter.string(.array(options)))")
        }
        if let constant = schema["const"], !constant.jsonEquals(value) {
            throw fail(path, "must equal \(JSONWriter.string(constant))")
        }
        switch value {
        case .string(let string): try checkString(string, schema, path)
        case .int, .double: try checkNumber(value.doubleValue!, schema, path)
        case .array(let items): try checkArray(items, schema, path)
        case .object(let object): try checkObject(object, schema, path)
        case .null, .bool: break
        }
    }

    private static func checkString(_ string: String, _ schema: JSONObject, _ path: String) throws(APIError) {
        if let min = schema["minLength"]?.intValue, string.count < min {
            throw fail(path, "must be at least \(min) characters long")
        }
        if let max = schema["maxLength"]?.intValue, string.count > max {
            throw fail(path, "must be at most \(max) characters long")
        }
        if let pattern = schema["pattern"]?.stringValue, let regex = try? BoundedRegex(pattern) {
            switch regex.firstMatchExists(in: string) {
            case true?: break
            case false?: throw fail(path, "must match the pattern \(pattern)")
            case nil: throw fail(path, "is too long to be checked against the pattern \(pattern) within npsim's bound; shorten it")
            }
        }
    }

    private static func checkNumber(_ number: Double, _ schema: JSONObject, _ path: String) throws(APIError) {
        if let min = schema["minimum"]?.doubleValue, number < min { throw fail(path, "must be >= \(JSONWriter.string(schema["minimum"] ?? .null))") }
        if let max = schema["maximum"]?.doubleValue, number > max { throw fail(path, "must be <= \(JSONWriter.string(schema["maximum"] ?? .null))") }
        if let min = schema["exclusiveMinimum"]?.doubleValue, number <= min {
            throw fail(path, "must be > \(JSONWriter.string(schema["exclusiveMinimum"] ?? .null))")
        }
        if let max = schema["exclusiveMaximum"]?.doubleValue, number >= max {
            throw fail(path, "must be < \(JSONWriter.string(schema["exclusiveMaximum"] ?? .null))")
        }
    }

    private static func checkArray(_ items: [JSONValue], _ schema: JSONObject, _ path: String) throws(APIError) {
        if let min = schema["minItems"]?.intValue, items.count < min { throw fail(path, "must have at least \(min) items") }
        if let max = schema["maxItems"]?.intValue, items.count > max { throw fail(path, "must have at most \(max) items") }
        if case .object(let itemSchema) = schema["items"] {
            for (offset, item) in items.enumerated() {
                try check(item, itemSchema, "\(path)[\(offset)]")
            }
        }
    }

    private static func checkObject(_ object: JSONObject, _ schema: JSONObject, _ path: String) throws(APIError) {
        let properties = schema["properties"]?.objectValue ?? JSONObject()
        for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] == nil {
            throw fail("\(path).\(name)", "is required")
        }
        for (name, member) in object {
            if case .object(let propertySchema) = properties[name] {
                try check(member, propertySchema, "\(path).\(name)")
            } else {
                switch schema["additionalProperties"] {
                case .bool(false)?:
                    throw fail("\(path).\(name)", "is not a property the schema allows")
                case .object(let additional)?:
                    try check(member, additional, "\(path).\(name)")
                default:
                    break
                }
            }
        }
    }
}
