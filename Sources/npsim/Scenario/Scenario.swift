import Foundation
import NPSimCore

/// One scenario of a `npsim test` file: a name and steps, run in order against an isolated npsim.
///
/// A file holds one scenario (`name`, `steps`) or several (`scenarios: [...]`). Each step is an object with one of
/// `seed`, `channel`, `service`, `action`, `report`, `fault`, `api_fault`, `advance`, `expect`, and optionally
/// `as: NAME`, which binds the id of what the step created; later steps refer to it as `$NAME` or `${NAME}`, and to
/// an environment variable as `${env:NAME}`.
struct Scenario: Sendable {
    struct Step: Sendable {
        let kind: String
        let body: JSONValue
        let binding: String?
        /// 1-based, as the progress and the reports number steps.
        let number: Int
    }

    static let kinds = ["seed", "channel", "service", "action", "report", "fault", "api_fault", "advance", "expect"]

    let name: String
    let steps: [Step]
    /// The folder of its file, which `seed` paths are relative to.
    let directory: String

    /// The scenarios of a file.
    static func load(file: String) throws -> [Scenario] {
        let document = try DocumentFile.parse(file: file, kind: "scenario")
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        let entries = document["scenarios"]?.arrayValue ?? [document]
        guard !entries.isEmpty else { throw CommandFailure("\(file): no scenarios") }
        return try entries.enumerated().map { index, entry in
            guard let name = entry["name"]?.stringValue, let steps = entry["steps"]?.arrayValue, !steps.isEmpty else {
                throw CommandFailure("\(file): scenario \(index + 1) needs a name and a non-empty list of steps")
            }
            return Scenario(
                name: name,
                steps: try steps.enumerated().map { number, step in try Self.step(step, number: number + 1, scenario: name, file: file) },
                directory: directory
            )
        }
    }

    private static func step(_ value: JSONValue, number: Int, scenario: String, file: String) throws -> Step {
        guard case .object(let object) = value else { throw CommandFailure("\(file): \(scenario), step \(number) must be an object") }
        let kinds = object.keys.filter { Self.kinds.contains($0) }
        let others = object.keys.filter { !Self.kinds.contains($0) && $0 != "as" }
        guard kinds.count == 1, others.isEmpty, let kind = kinds.first, let body = object[kind] else {
            throw CommandFailure(
                "\(file): \(scenario), step \(number) must have exactly one of \(Self.kinds.joined(separator: ", ")) (and optionally as), got \(object.keys.joined(separator: ", "))"
            )
        }
        return Step(kind: kind, body: body, binding: object["as"]?.stringValue, number: number)
    }
}
