/// One configured provider: the settings of a cloud account, a network or a cluster, stored at an NRN for some
/// dimensions. Runners read them with `np provider list|read` to find a region, a VPC or a role to assume.
public struct ProviderRecord: Sendable, Equatable {
    public var id: String
    public var nrn: NRN
    public var specificationId: String
    public var dimensions: JSONObject
    public var attributes: JSONObject
    public var createdAt: String
    public var updatedAt: String

    public init(id: String, nrn: NRN, specificationId: String, dimensions: JSONObject, attributes: JSONObject, createdAt: String, updatedAt: String) {
        self.id = id
        self.nrn = nrn
        self.specificationId = specificationId
        self.dimensions = dimensions
        self.attributes = attributes
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Whether this provider applies where `requested` dimensions hold: every dimension it is restricted to must be
    /// asked for with the same value; a provider without dimensions applies everywhere.
    public func applies(to requested: [String: String]) -> Bool {
        dimensions.allSatisfy { key, value in requested[key] == (value.stringValue ?? JSONWriter.string(value)) }
    }

    /// The API's representation. `attributes` is the merged view when given (`GET /provider/{id}` merges the same
    /// specification's providers up the NRN); `data_source.stored_keys` lists the dotted paths this provider itself
    /// sets, which is how runners pick "the provider that has `account.region`" from a list.
    public func json(attributes shown: JSONObject? = nil) -> JSONValue {
        let specification = ProviderCatalog.specification(specificationId)
        return [
            "id": .string(id), "nrn": .string(nrn.description), "specification_id": .string(specificationId),
            "specification_slug": specification.map { .string($0.slug) } ?? .null,
            "categories": .array(specification?.categories.map(\.json) ?? []),
            "dimensions": .object(dimensions), "attributes": .object(shown ?? attributes),
            "data_source": ["stored_keys": .array(Self.leafPaths(of: attributes).map(JSONValue.string))],
            "created_at": .string(createdAt), "updated_at": .string(updatedAt),
        ]
    }

    /// Dotted paths to every non-object value: `{"account": {"region": "x"}}` → `["account.region"]`.
    static func leafPaths(of object: JSONObject, prefix: String = "") -> [String] {
        object.flatMap { key, value -> [String] in
            if case .object(let nested) = value, !nested.isEmpty { return leafPaths(of: nested, prefix: prefix + key + ".") }
            return [prefix + key]
        }
    }
}
