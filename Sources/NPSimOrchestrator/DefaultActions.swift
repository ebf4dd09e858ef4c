import NPSimCore
import NPSimStore

/// The create, update and delete action specifications that `use_default_actions: true` generates.
///
/// Parameters come from the attributes schema: a property is a create parameter unless its `editableOn`
/// excludes `create`, and an update parameter when `editableOn` lists `update`. Properties no one can edit
/// (`editableOn: []`) are outputs: they become results whose `target` copies them into the attributes.
enum DefaultActions {
    static func specifications(for specification: JSONObject, kind: EntityKind) throws(APIError) -> [JSONObject] {
        let slug = try specification.storedString("slug", of: kind.displayName)
        let specId = JSONValue.string(try specification.storedString("id", of: kind.displayName))
        let schema = specification["attributes"]?["schema"]?.objectValue ?? JSONObject()
        let properties = schema["properties"]?.objectValue ?? JSONObject()
        let required = Set(schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])

        func editable(_ property: JSONValue, on moment: String) -> Bool {
            guard let editableOn = property["editableOn"]?.arrayValue else { return moment == "create" }
            return editableOn.contains(.string(moment))
        }
        func objectSchema(_ selected: [(String, JSONValue)], requiring: Bool) -> JSONValue {
            var result: JSONObject = ["type": "object", "properties": .object(JSONObject(selected))]
            let names = selected.map(\.0).filter { requiring && required.contains($0) }
            if !names.isEmpty { result["required"] = .array(names.map(JSONValue.string)) }
            return .object(result)
        }
        let createParameters = properties.filter { editable($0.value, on: "create") }.map { ($0.key, $0.value) }
        let updateParameters = properties.filter { editable($0.value, on: "update") }.map { ($0.key, $0.value) }
        let outputs = properties.filter { $0.value["editableOn"]?.arrayValue?.isEmpty == true }.map { name, property -> (String, JSONValue) in
            var property = property.objectValue ?? JSONObject()
            property["target"] = .string(name)
            return (name, .object(property))
        }
        let parentField = kind == .serviceSpecification ? "service_specification_id" : "link_specification_id"
        return [("create", createParameters), ("update", updateParameters), ("delete", [])].map { type, parameters in
            [
                "name": .string("\(type) \(slug)"), "slug": .string("\(type)-\(slug)"), "type": .string(type),
                "parameters": ["schema": objectSchema(parameters, requiring: type == "create"), "values": [:]],
                "results": ["schema": objectSchema(type == "delete" ? [] : outputs, requiring: false), "values": [:]],
                parentField: specId, "retryable": .bool(type != "delete"), "parallelize": false, "annotations": [:],
            ]
        }
    }
}
