/// The kinds of record npsim keeps, each with the fields nullplatform's API accepts for it.
///
/// Field lists follow `shared/reference/nullplatform-api.md`; a field that is not listed is refused with a
/// 400 naming it, so a typo in a client's body is caught here as it would be by the real API.
public enum EntityKind: String, Sendable, CaseIterable {
    case serviceSpecification = "service_specification"
    case linkSpecification = "link_specification"
    case actionSpecification = "action_specification"
    case service
    case link
    case serviceAction = "service_action"
    case linkAction = "link_action"
    case channel = "notification_channel"

    /// The name used in messages and in `not_found` errors: the raw value with spaces for underscores, spelled out
    /// rather than computed with Foundation's `replacingOccurrences`, since every new action's messages name it.
    public var displayName: String {
        switch self {
        case .serviceSpecification: "service specification"
        case .linkSpecification: "link specification"
        case .actionSpecification: "action specification"
        case .service: "service"
        case .link: "link"
        case .serviceAction: "service action"
        case .linkAction: "link action"
        case .channel: "notification channel"
        }
    }

    public var fields: [FieldRule] { Self.fieldsByKind[self]! }

    /// Every kind's fields, built once rather than on each use (defaults are JSON values, lists are concatenated):
    /// every new action orders and checks its fields twice.
    private static let fieldsByKind = Dictionary(uniqueKeysWithValues: allCases.map { ($0, $0.declaredFields) })

    private var declaredFields: [FieldRule] {
        switch self {
        case .serviceSpecification:
            Self.specificationFields + [
                FieldRule("type", .oneOf(["dependency", "scope"]), default: "dependency"),
                FieldRule("unique", .bool, default: false),
                // Kept from the repositories' spec templates (`service-spec.json.tpl`), which list what the
                // installer registers next; the platform accepts and ignores them.
                FieldRule("available_links", .any),
                FieldRule("available_actions", .any),
                FieldRule("agent_command", .object),
                FieldRule("authorization", .object),
            ] + Self.timestamps
        case .linkSpecification:
            // `visible_to` may be left out (nullplatform's tofu-modules do): the link is then visible where its
            // service specification is.
            Self.specificationFields.map { $0.name == "visible_to" ? FieldRule("visible_to", .nrnPatterns) : $0 } + [
                FieldRule("unique", .bool, default: false),
                FieldRule("specification_id", .string, required: true),
                FieldRule("external", .objectOrBool, nullable: true),
                FieldRule("external_resolution", .objectOrBool, nullable: true),
                FieldRule("available_actions", .any),
            ] + Self.timestamps
        case .actionSpecification:
            [
                FieldRule("id", .string, access: .serverOnly),
                FieldRule("name", .string, required: true),
                FieldRule("slug", .string),
                FieldRule("description", .string, nullable: true),
                FieldRule("type", .oneOf(["create", "update", "delete", "custom", "diagnose"]), required: true),
                FieldRule("parameters", .object, default: ["schema": ["type": "object", "properties": [:]], "values": [:]]),
                FieldRule("results", .object, default: ["schema": ["type": "object", "properties": [:]], "values": [:]]),
                FieldRule("service_specification_id", .string, access: .serverOnly),
                FieldRule("link_specification_id", .string, access: .serverOnly),
                FieldRule("retryable", .bool, default: false),
                FieldRule("parallelize", .bool, default: false),
                FieldRule("enabled_when", .any),
                FieldRule("icon", .string, nullable: true),
                FieldRule("annotations", .object, default: [:]),
                FieldRule("external", .objectOrBool, nullable: true),
                FieldRule("external_resolution", .objectOrBool, nullable: true),
            ] + Self.timestamps
        case .service: Self.instanceFields(parent: []) + Self.timestamps
        case .link: Self.instanceFields(parent: [FieldRule("service_id", .string, required: true, access: .createOnly)]) + Self.timestamps
        case .serviceAction: Self.actionFields(parent: "service_id") + Self.timestamps
        case .linkAction: Self.actionFields(parent: "link_id") + [FieldRule("service_id", .string, access: .serverOnly)] + Self.timestamps
        case .channel:
            [
                FieldRule("id", .integer, access: .serverOnly),
                FieldRule("nrn", .nrn, required: true),
                FieldRule("description", .string, nullable: true),
                FieldRule("type", .oneOf(ChannelType.allCases.map(\.rawValue)), required: true),
                FieldRule("source", .stringArray, default: ["service"]),
                FieldRule("configuration", .object, required: true),
                FieldRule("status", .oneOf(["active", "inactive"]), default: "active"),
                FieldRule("filters", .object, default: [:]),
            ] + Self.timestamps
        }
    }

    private static let timestamps = [
        FieldRule("created_at", .string, access: .serverOnly),
        FieldRule("updated_at", .string, access: .serverOnly),
    ]

    private static let specificationFields = [
        FieldRule("id", .string, access: .serverOnly),
        FieldRule("name", .string, required: true),
        FieldRule("slug", .string),
        FieldRule("description", .string, nullable: true),
        FieldRule("visible_to", .nrnPatterns, required: true),
        FieldRule("dimensions", .object, default: [:]),
        FieldRule("assignable_to", .oneOf(["any", "dimension", "scope"]), default: "any"),
        FieldRule("attributes", .object, default: ["schema": ["type": "object", "properties": [:]], "values": [:]]),
        FieldRule("selectors", .object, default: [:]),
        FieldRule("use_default_actions", .bool, default: false),
        FieldRule("use_default_naming", .bool, default: false),
        FieldRule("scopes", .object, default: [:]),
    ]

    private static func instanceFields(parent: [FieldRule]) -> [FieldRule] {
        [
            FieldRule("id", .string, access: .serverOnly),
            FieldRule("name", .string, required: true),
            FieldRule("slug", .string),
        ] + parent + [
            FieldRule("specification_id", .string, required: true, access: .createOnly),
            FieldRule("desired_specification_id", .string, nullable: true),
            FieldRule("entity_nrn", .nrn, required: true, access: .createOnly),
            FieldRule("linkable_to", .nrnPatterns),
            FieldRule("status", .oneOf(EntityStatus.allCases.map(\.rawValue)), default: "pending"),
            FieldRule("type", .oneOf(["dependency", "scope"]), access: .serverOnly),
            FieldRule("messages", .array, default: []),
            FieldRule("selectors", .object, default: [:]),
            FieldRule("dimensions", .object, default: [:]),
            FieldRule("attributes", .object, default: [:]),
        ]
    }

    private static func actionFields(parent: String) -> [FieldRule] {
        [
            FieldRule("id", .string, access: .serverOnly),
            FieldRule("name", .string),
            FieldRule("slug", .string),
            FieldRule("status", .oneOf(ActionStatus.allCases.map(\.rawValue)), default: "pending"),
            FieldRule("type", .string, access: .serverOnly),
            FieldRule("specification_id", .string, required: true, access: .createOnly),
            FieldRule(parent, .string, access: .serverOnly),
            FieldRule("desired_specification_id", .string, nullable: true),
            FieldRule("parameters", .object, default: [:]),
            FieldRule("results", .object, default: [:]),
            FieldRule("messages", .array, default: []),
            FieldRule("created_by", .any),
        ]
    }

    /// Validates a create body: unknown fields refused, required fields present, types checked, defaults filled.
    /// Server-only fields a client echoes back are dropped.
    public func validatedForCreate(_ body: JSONValue) throws(APIError) -> JSONObject {
        let object = try bodyObject(body)
        let rules = fields
        try refuseUnknownFields(object, rules)
        var result = JSONObject()
        for rule in rules where rule.access != .serverOnly {
            if let value = object[rule.name] {
                try rule.check(value, entity: rawValue)
                result[rule.name] = value
            } else if rule.required {
                throw .validation("\(rawValue).\(rule.name) is required")
            } else if let defaultValue = rule.defaultValue {
                result[rule.name] = defaultValue
            }
        }
        return result
    }

    /// Validates a `PATCH` body against the stored record: only mutable fields may change.
    public func validatedForPatch(_ body: JSONValue, current: JSONObject) throws(APIError) -> JSONObject {
        let object = try bodyObject(body)
        let rules = fields
        try refuseUnknownFields(object, rules)
        var changes = JSONObject()
        for rule in rules where rule.access != .serverOnly {
            guard let value = object[rule.name] else { continue }
            if rule.access == .createOnly {
                if let existing = current[rule.name], existing.jsonEquals(value) { continue }
                throw .validation("\(rawValue).\(rule.name) cannot be changed after creation")
            }
            if value == .null, rule.required { throw .validation("\(rawValue).\(rule.name) cannot be null") }
            try rule.check(value, entity: rawValue)
            changes[rule.name] = value
        }
        return changes
    }

    private func bodyObject(_ body: JSONValue) throws(APIError) -> JSONObject {
        guard case .object(let object) = body else {
            throw .validation("the body of a \(displayName) must be a JSON object, got \(body.typeName)")
        }
        return object
    }

    private func refuseUnknownFields(_ object: JSONObject, _ rules: [FieldRule]) throws(APIError) {
        let known = Set(rules.map(\.name))
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            throw .validation("\(rawValue).\(unknown) is not a field of \(displayName); known fields: \(rules.map(\.name).joined(separator: ", "))")
        }
    }

    /// Puts a stored record's fields in the order the API documents them.
    public func ordered(_ object: JSONObject) -> JSONObject {
        object.reordered(Self.fieldNamesByKind[self]!)
    }

    private static let fieldNamesByKind = fieldsByKind.mapValues { $0.map(\.name) }
}
