/// One node of the organization hierarchy (organization, account, namespace, application or scope).
///
/// Notifications carry each level's id and slug in their `tags` block, so every NRN an entity is created
/// at must be known here.
public struct NRNEntity: Sendable, Equatable {
    public let nrn: NRN
    public let name: String
    public let slug: String
    /// Every other field a client set (a scope's `domain`, `status`, `dimensions`...), kept and shown as given.
    public let fields: JSONObject

    public init(nrn: NRN, name: String, slug: String, fields: JSONObject = JSONObject()) {
        self.nrn = nrn
        self.name = name
        self.slug = slug
        self.fields = fields
    }

    public var level: NRN.Level { nrn.components.last?.level ?? .organization }
    public var id: String { nrn.components.last?.id ?? "" }

    /// Fields a scope always shows, as runners read them (`np scope read` → `.domain`, `.in_progress_deployment`).
    private static let scopeDefaults: JSONObject = ["status": "active", "domain": nil, "in_progress_deployment": nil, "dimensions": [:]]

    public var json: JSONValue {
        var object = (level == .scope ? Self.scopeDefaults : JSONObject()).deepMerged(with: fields)
        object = object.deepMerged(with: [
            "id": Int(id).map(JSONValue.int) ?? .string(id), "name": .string(name), "slug": .string(slug),
            "nrn": .string(nrn.description),
        ])
        if let parent = nrn.parent, let level = parent.components.last {
            object["\(level.level.rawValue)_id"] = Int(level.id).map(JSONValue.int) ?? .string(parent.description)
        }
        return .object(object)
    }

    /// The `tags` block of a notification for an entity owned at `lineage` (outermost first):
    /// `{"organization_id": "1", "organization": "<slug>", ...}` with ids as strings, as in the real payload.
    public static func tags(for lineage: [NRNEntity]) -> JSONObject {
        var tags = JSONObject()
        for entity in lineage {
            tags["\(entity.level.rawValue)_id"] = .string(entity.id)
            tags[entity.level.rawValue] = .string(entity.slug)
        }
        return tags
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}
