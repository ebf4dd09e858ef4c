import NPSimCore
import NPSimStore

extension Orchestrator {
    /// The notification sources nullplatform defines.
    static let sources: Set<String> = ["service", "approval", "audit", "alert", "entity", "telemetry", "parameters"]

    public func createChannel(body: JSONValue, for tenancy: Tenancy = .everyOrganization) async throws -> JSONObject {
        let validated = try EntityKind.channel.validatedForCreate(body)
        try Self.checkWithin(tenancy, nrn: validated["nrn"]?.stringValue, field: "notification_channel.nrn")
        try Self.checkChannel(validated)
        return try await database.write { db in
            var object = validated
            object["id"] = .int(try db.next(counter: "notification_channel"))
            object["created_at"] = .string(timestamp())
            object["updated_at"] = object["created_at"]
            try db.insert(.channel, object)
            return try present(.channel, object, options: ReadOptions(), in: db)
        }
    }

    /// `configuration` is merged (a masked secret sent back keeps its value); `source` replaces the whole array.
    public func patchChannel(id: String, body: JSONValue, for tenancy: Tenancy = .everyOrganization) async throws -> JSONObject {
        try await database.write { db in
            var object = try require(.channel, id: id, for: tenancy, in: db)
            let changes = try EntityKind.channel.validatedForPatch(body, current: object)
            for (key, value) in changes {
                if key == "configuration", case .object(let current) = object[key], case .object(let change) = value {
                    object[key] = .object(ChannelType.patched(configuration: current, with: change))
                } else {
                    object[key] = value
                }
            }
            try Self.checkWithin(tenancy, nrn: object["nrn"]?.stringValue, field: "notification_channel.nrn")
            try Self.checkChannel(object)
            object["updated_at"] = .string(timestamp())
            try db.update(.channel, object)
            return try present(.channel, object, options: ReadOptions(), in: db)
        }
    }

    public func deleteChannel(id: String, for tenancy: Tenancy = .everyOrganization) async throws -> JSONObject {
        try await database.write { db in
            let object = try require(.channel, id: id, for: tenancy, in: db)
            try db.delete(.channel, id: id)
            return try present(.channel, object, options: ReadOptions(), in: db)
        }
    }

    private static func checkChannel(_ object: JSONObject) throws {
        guard let type = ChannelType(rawValue: object["type"]?.stringValue ?? "") else {
            throw APIError.validation("notification_channel.type must be one of \(ChannelType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        try type.validate(configuration: object["configuration"]?.objectValue ?? JSONObject())
        try FilterMatcher.validate(object["filters"]?.objectValue ?? JSONObject())
        if let description = object["description"]?.stringValue, description.count > 64 {
            throw APIError.validation("notification_channel.description must be at most 64 characters, got \(description.count)")
        }
        for source in object["source"]?.arrayValue?.compactMap(\.stringValue) ?? [] where !sources.contains(source) {
            throw APIError.validation(
                "notification_channel.source '\(source)' is not a notification source; use one of \(sources.sorted().joined(separator: ", "))"
            )
        }
    }
}
