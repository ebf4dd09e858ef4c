import NPSimCore

/// `np service action update` and `np link action update`: a runner reports on the action it was started for.
/// The ids come from the flags or, as in nullplatform's CLI, from `NP_ACTION_CONTEXT`.
struct ActionUpdate: Sendable {
    /// `service` or `link`.
    let entity: String

    var flags: [String] { ["\(entity)-id", "\(entity)-action-id", "results", "status", "messages"] }

    func run(_ arguments: NPArguments) async throws {
        let context = try? ActionContext.load(arguments)
        let parentId = arguments.flags["\(entity)-id"] ?? (entity == "link" ? context?.linkId : context?.serviceId)
        let actionId = arguments.flags["\(entity)-action-id"] ?? context?.actionId
        guard let parentId, let actionId else {
            throw NPFailure.usage(
                "no \(entity) action to update: pass --\(entity)-id and --\(entity)-action-id, or run it with NP_ACTION_CONTEXT set"
            )
        }
        var body = JSONObject()
        if let status = arguments.flags["status"] {
            guard ["success", "failed", "in_progress", "pending"].contains(status) else {
                throw NPFailure.usage("--status is success or failed, got '\(status)'")
            }
            body["status"] = .string(status)
        }
        if let results = arguments.flags["results"] {
            guard case .object(let object) = try RESTCommand.body(results) else { throw NPFailure.usage("--results must be a JSON object") }
            body["results"] = .object(object)
        }
        if let messages = arguments.flags["messages"] { body["messages"] = Self.messages(messages) }
        guard !body.isEmpty else { throw NPFailure.usage("nothing to update: pass --status, --results or --messages") }
        let session = try await NPSession.open(arguments)
        try NPOutput.print(try await session.call("PATCH", "/\(entity)/\(parentId)/action/\(actionId)", .object(body)), arguments)
    }

    /// `--messages` as the API takes them: a JSON array of `{level, message}` as given, or any other text as one
    /// `info` message.
    static func messages(_ text: String) -> JSONValue {
        switch try? JSONParser.parse(text) {
        case .array(let items)?: .array(items.map { item in item.stringValue.map { ["level": "info", "message": .string($0)] } ?? item })
        case .object(let object)?: [.object(object)]
        case .string(let message)?: [["level": "info", "message": .string(message)]]
        default: [["level": "info", "message": .string(text)]]
        }
    }
}
