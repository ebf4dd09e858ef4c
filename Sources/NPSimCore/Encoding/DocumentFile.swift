import Foundation
import Yams

/// Reads a JSON or YAML file (a fixture, a workflow, a pipeline) as JSON.
public enum DocumentFile {
    /// A JSON or YAML file as JSON; `kind` names the file in errors (a fixture, a workflow).
    public static func parse(file: String, kind: String = "fixture") throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: file) else { throw APIError.badRequest("cannot read \(kind) file '\(file)'") }
        if file.lowercased().hasSuffix(".json") {
            do { return try JSONParser.parse(Array(data)) } catch {
                throw APIError.badRequest("\(kind) '\(file)': \(error.description)")
            }
        }
        do {
            guard let node = try Yams.compose(yaml: String(decoding: data, as: UTF8.self)) else { return [:] }
            return json(from: node)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest("\(kind) '\(file)' is not valid YAML: \(error)")
        }
    }

    /// YAML to JSON with mapping order kept and plain scalars typed by YAML's core schema.
    static func json(from node: Node) -> JSONValue {
        switch node {
        case .mapping(let mapping):
            return .object(JSONObject(mapping.map { ($0.key.string ?? "", json(from: $0.value)) }))
        case .sequence(let sequence):
            return .array(sequence.map(json(from:)))
        case .alias:
            return .null
        case .scalar(let scalar):
            guard scalar.style == .plain else { return .string(scalar.string) }
            if node.null != nil { return .null }
            if let bool = node.bool { return .bool(bool) }
            if let int = node.int { return .int(int) }
            if let double = node.float, double.isFinite { return .double(double) }
            return .string(scalar.string)
        }
    }
}
