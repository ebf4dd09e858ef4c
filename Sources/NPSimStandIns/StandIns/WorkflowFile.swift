import Foundation
import NPSimCore

/// A GitHub Actions workflow file of a mapped checkout, read for what a dispatch must respect: the
/// `workflow_dispatch` trigger and its declared inputs.
struct WorkflowFile {
    struct Input {
        let required: Bool
        let hasDefault: Bool
    }

    /// The file name under `.github/workflows`.
    let name: String
    /// The whole workflow, for planning a local run.
    let document: JSONValue
    /// `nil` when the workflow has no `workflow_dispatch` trigger.
    let inputs: [String: Input]?

    /// Reads `.github/workflows/<workflow>` under `checkout`; `nil` when the file does not exist.
    static func load(checkout: String, workflow: String) throws -> WorkflowFile? {
        let path = URL(fileURLWithPath: checkout).appendingPathComponent(".github/workflows").appendingPathComponent(workflow).path
        guard FileManager.default.fileExists(atPath: path), !workflow.contains("..") else { return nil }
        let document = try DocumentFile.parse(file: path)
        let trigger = document["on"] ?? document["true"]
        let dispatch: JSONValue?
        switch trigger {
        case .string("workflow_dispatch")?: dispatch = [:]
        case .array(let events)?: dispatch = events.contains("workflow_dispatch") ? [:] : nil
        case .object(let events)?: dispatch = events["workflow_dispatch"].map { $0 == .null ? [:] : $0 }
        default: dispatch = nil
        }
        guard let dispatch else { return WorkflowFile(name: workflow, document: document, inputs: nil) }
        var inputs: [String: Input] = [:]
        for (name, declaration) in dispatch["inputs"]?.objectValue ?? JSONObject() {
            inputs[name] = Input(required: declaration["required"] == .bool(true), hasDefault: declaration["default"] != nil)
        }
        return WorkflowFile(name: workflow, document: document, inputs: inputs)
    }

    /// GitHub's 422 message for a dispatch whose inputs do not fit, or `nil` when they do.
    func problem(with given: JSONObject) -> String? {
        guard let inputs else { return "Workflow does not have 'workflow_dispatch' trigger" }
        let unexpected = given.keys.filter { inputs[$0] == nil }
        if !unexpected.isEmpty { return "Unexpected inputs provided: \(JSONWriter.string(.array(unexpected.map(JSONValue.string))))" }
        if let missing = inputs.filter({ $0.value.required && !$0.value.hasDefault && given[$0.key] == nil }).keys.sorted().first {
            return "Required input '\(missing)' not provided"
        }
        return nil
    }
}
