import Foundation

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

extension ProviderRecord {
    /// A new provider from a create body (see ``apply(_:creating:)``), stamped now.
    public init(creating body: JSONValue, id: String) throws(APIError) {
        let now = ISO8601.string(from: Date())
        self.init(id: id, nrn: NRN(components: []), specificationId: "", dimensions: [:], attributes: [:], createdAt: now, updatedAt: now)
        try apply(body, creating: true)
    }

    /// Applies a create or change body: `nrn` and the specification (`specification_id`, or `specification_slug`
    /// for fixtures) are required on create; `attributes` are merged into the provider's; `dimensions` replace.
    public mutating func apply(_ body: JSONValue, creating: Bool) throws(APIError) {
        guard case .object(let object) = body else { throw APIError.validation("the body must be a JSON object") }
        let known: Set<String> = ["id", "nrn", "specification_id", "specification_slug", "dimensions", "attributes", "created_at", "updated_at"]
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            throw APIError.validation("provider.\(unknown) is not a field of a provider; the fields are \(known.sorted().joined(separator: ", "))")
        }
        if let text = object["nrn"]?.stringValue {
            nrn = try NRN(parsing: text)
        } else if creating {
            throw APIError.validation("provider.nrn is required, e.g. organization=1:account=2")
        }
        if let reference = object["specification_id"]?.stringValue ?? object["specification_slug"]?.stringValue {
            guard let specification = ProviderCatalog.specification(reference) else {
                let known = ProviderCatalog.specifications.map(\.slug).joined(separator: ", ")
                throw APIError.validation("provider specification '\(reference)' is unknown; npsim knows \(known) (GET /provider_specification)")
            }
            specificationId = specification.id
        } else if creating {
            throw APIError.validation("provider.specification_id (or specification_slug) is required; GET /provider_specification lists them")
        }
        if let value = object["attributes"] {
            guard case .object(let given) = value else { throw APIError.validation("provider.attributes must be a JSON object") }
            attributes = attributes.deepMerged(with: given)
        }
        if let value = object["dimensions"] {
            guard case .object(let given) = value else { throw APIError.validation("provider.dimensions must be a JSON object") }
            dimensions = given
        }
    }
}
