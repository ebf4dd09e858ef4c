import NPSimCore

/// A form for running an action, built from its specification's parameter schema, and the typed parameters read
/// back from what the browser submits: an `enum` becomes a select, a boolean a checkbox, a number a number field,
/// an object or array a JSON text area.
struct ActionForm {
    let specification: JSONValue

    private var schema: JSONValue { specification["parameters"]?["schema"] ?? [:] }
    private var required: Set<String> { Set(schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []) }

    /// The template's view of the form.
    func view(serviceId: String) -> [String: Any] {
        let fields: [[String: Any]] = (schema["properties"]?.objectValue ?? JSONObject()).map { name, property in
            let type = property["type"]?.stringValue ?? "string"
            let options = property["enum"]?.arrayValue?.map { $0.stringValue ?? JSONWriter.string($0) } ?? []
            return [
                "name": name, "type": type, "required": required.contains(name), "options": options, "hasOptions": !options.isEmpty,
                "boolean": type == "boolean", "json": type == "object" || type == "array",
                "input": type == "integer" || type == "number" ? "number" : "text", "step": type == "number" ? "any" : "",
            ]
        }
        return [
            "service_id": serviceId, "id": specification["id"]?.stringValue ?? "", "name": specification["name"]?.stringValue ?? "",
            "type": specification["type"]?.stringValue ?? "", "fields": fields,
        ]
    }

    /// The submitted fields as parameters typed by the schema; empty optional fields are left out, so the
    /// orchestrator's own validation answers for what is missing or wrong.
    func parameters(from form: [(String, String)]) throws -> JSONObject {
        var parameters = JSONObject()
        let properties = schema["properties"]?.objectValue ?? JSONObject()
        for (name, text) in form where name != "specification_id" && !(text.isEmpty && !required.contains(name)) {
            switch properties[name]?["type"]?.stringValue {
            case "integer": parameters[name] = Int(text).map(JSONValue.int) ?? .string(text)
            case "number": parameters[name] = Double(text).map(JSONValue.double) ?? .string(text)
            case "boolean": parameters[name] = .bool(text == "true" || text == "on")
            case "object", "array":
                do { parameters[name] = try JSONParser.parse(text) } catch {
                    throw APIError.validation("\(name) must be JSON: \(error.description)")
                }
            default: parameters[name] = .string(text)
            }
        }
        return parameters
    }
}
