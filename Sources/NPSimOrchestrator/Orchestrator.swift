import Foundation
import NPSimCore
import NPSimStore

/// Carries out nullplatform's use cases: each public method is one transaction over ``AppDatabase`` that
/// checks the domain rules of `NPSimCore` and writes the result, so a request either happens entirely or not at all.
public struct Orchestrator: Sendable {
    public let database: AppDatabase
    let now: @Sendable () -> Date
    /// The running dispatcher, which deliveries are handed to as their transaction commits; `nil` without one.
    let handoff: (any DeliveryHandoff)?
    /// The local agent's tags, which `agent` channels' selectors are matched against.
    let agentTags: [String: String]
    /// `--strict-nrn`: refuse records at NRNs whose entities npsim was not told about, instead of creating them.
    let strictNRN: Bool

    public init(
        database: AppDatabase,
        now: @escaping @Sendable () -> Date = { Date() },
        agentTags: [String: String] = [:],
        strictNRN: Bool = false,
        handoff: (any DeliveryHandoff)? = nil
    ) {
        self.strictNRN = strictNRN
        self.database = database
        self.agentTags = agentTags
        self.now = now
        self.handoff = handoff
    }

    /// A write that may queue deliveries, handed to the running dispatcher as it commits (see
    /// ``AppDatabase/writeQueuingDeliveries(handoff:_:)``).
    func writeQueuingDeliveries<T: Sendable>(_ body: @escaping @Sendable (StoreTransaction, DeliveryReservations) throws -> T) async throws -> T {
        try await database.writeQueuingDeliveries(handoff: handoff, body)
    }

    static func newId() -> String { UUID.newId() }

    func timestamp() -> String { ISO8601.string(from: now()) }

    /// Reads one entity, as a client sees it.
    public func get(
        _ kind: EntityKind,
        id: String,
        options: ReadOptions = ReadOptions(),
        for tenancy: Tenancy = .everyOrganization
    ) async throws
        -> JSONObject
    {
        try await database.read { db in
            try present(kind, try require(kind, id: id, for: tenancy, in: db), options: options, in: db)
        }
    }

    /// A record that exists and that `tenancy` may reach; otherwise a 404 naming it, as if it did not exist.
    func require(_ kind: EntityKind, id: String, for tenancy: Tenancy, in db: StoreTransaction) throws -> JSONObject {
        let object = try db.require(kind, id: id)
        guard try reaches(tenancy, kind, object, in: db) else { throw APIError.notFound(kind.displayName, id) }
        return object
    }

    /// Whether `tenancy` reaches a record: through its own NRN, its specification's `visible_to`, or its parent's.
    func reaches(_ tenancy: Tenancy, _ kind: EntityKind, _ object: JSONObject, in db: StoreTransaction) throws -> Bool {
        guard tenancy != .everyOrganization else { return true }
        switch kind {
        case .service, .link:
            return tenancy.admits(nrn: object["entity_nrn"]?.stringValue)
        case .channel:
            return tenancy.admits(nrn: object["nrn"]?.stringValue)
        case .serviceSpecification, .linkSpecification:
            return tenancy.admits(patterns: object["visible_to"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        case .actionSpecification:
            let parentKind: EntityKind = object["link_specification_id"]?.stringValue != nil ? .linkSpecification : .serviceSpecification
            let parentId = object["service_specification_id"]?.stringValue ?? object["link_specification_id"]?.stringValue ?? ""
            return try db.fetch(parentKind, id: parentId).map { try reaches(tenancy, parentKind, $0, in: db) } ?? false
        case .serviceAction, .linkAction:
            let parentKind: EntityKind = kind == .serviceAction ? .service : .link
            let parentId = object[kind == .serviceAction ? "service_id" : "link_id"]?.stringValue ?? ""
            return try db.fetch(parentKind, id: parentId).map { try reaches(tenancy, parentKind, $0, in: db) } ?? false
        }
    }

    /// Refuses to create or move a record to an NRN outside the caller's organization.
    static func checkWithin(_ tenancy: Tenancy, nrn: String?, field: String) throws {
        guard !tenancy.admits(nrn: nrn) else { return }
        throw APIError.forbidden(
            "\(field) '\(nrn ?? "")' is outside organization \(tenancy.organizationId ?? ""), the only one this token acts for"
        )
    }

    /// Whether a record with this id exists (and `tenancy` reaches it); `false` for a `nil` id.
    public func exists(_ kind: EntityKind, id: String?, for tenancy: Tenancy = .everyOrganization) async throws -> Bool {
        guard let id else { return false }
        return try await database.read { db in
            try db.fetch(kind, id: id).map { try reaches(tenancy, kind, $0, in: db) } ?? false
        }
    }

    /// The channel with the same `nrn`, `type` and `description`, if one exists (how fixtures stay idempotent,
    /// since channel ids are assigned by the server).
    public func existingChannel(like body: JSONValue) async throws -> JSONObject? {
        try await database.read { db in
            var query = DocumentQuery(kind: .channel)
            query.exactNRN = body["nrn"]?.stringValue
            query.types = body["type"]?.stringValue.map { [$0] } ?? []
            query.limit = 1000
            return try db.list(query).items.first { $0["description"] == body["description"] }
        }
    }

    /// Lists entities with `paging` and `results`, as nullplatform's list endpoints answer.
    public func list(_ query: DocumentQuery, options: ReadOptions = ReadOptions()) async throws -> JSONValue {
        try await database.read { db in
            let page = try db.list(query)
            let results = try page.items.map { JSONValue.object(try present(query.kind, $0, options: options, in: db)) }
            return [
                "paging": ["offset": .int(query.offset), "limit": .int(query.limit), "total": .int(page.total)],
                "results": .array(results),
            ]
        }
    }

    /// Adds slug uniqueness to a create or rename: a slug is unique among records of `kind` sharing `scope`.
    func checkSlugIsFree(
        _ kind: EntityKind,
        slug: String,
        scopeColumn: Documents.Column?,
        scopeValue: String?,
        excluding id: String?,
        in db: StoreTransaction
    ) throws {
        let scope = scopeColumn.flatMap { column in scopeValue.map { (column: column, value: $0) } }
        if let other = try db.slugOwner(kind, slug: slug, scope: scope, excluding: id) {
            throw APIError.conflict("a \(kind.displayName) with slug '\(slug)' already exists (id \(other)); choose another name or slug")
        }
    }

    /// Fills `slug` from `name` when the client sent none, and refuses an empty result.
    func assignSlug(_ object: inout JSONObject, kind: EntityKind) throws {
        if object["slug"]?.stringValue == nil, let name = object["name"]?.stringValue {
            object["slug"] = .string(Slug.from(name))
        }
        guard let slug = object["slug"]?.stringValue, !slug.isEmpty else {
            throw APIError.validation("\(kind.rawValue).name must contain at least one letter or digit to derive a slug from")
        }
    }

    /// The parts of a stored record that a reader may not see are removed or masked here, in one place.
    func present(_ kind: EntityKind, _ object: JSONObject, options: ReadOptions, in db: StoreTransaction) throws -> JSONObject {
        switch kind {
        case .serviceAction, .linkAction:
            var result = Self.presentAction(kind, object, options: options)
            // Results the action specification marks `secret: true` are hidden unless the reader asks for secrets.
            if !options.includeSecrets, let results = object["results"], results.objectValue?.isEmpty == false {
                let spec = try object["specification_id"]?.stringValue.flatMap { try db.fetch(.actionSpecification, id: $0) }
                result["results"] = SchemaAnnotations.masking(results, secrets: SchemaAnnotations.secretProperties(of: spec?["results"]?["schema"]))
            }
            return result
        case .channel:
            var result = kind.ordered(object)
            if let configuration = object["configuration"]?.objectValue {
                result["configuration"] = .object(ChannelType.masked(configuration: configuration))
            }
            return result
        case .service, .link:
            var result = kind.ordered(object)
            if !options.includeSecrets, let attributes = object["attributes"] {
                let specKind: EntityKind = kind == .service ? .serviceSpecification : .linkSpecification
                let spec = try object["specification_id"]?.stringValue.flatMap { try db.fetch(specKind, id: $0) }
                result["attributes"] = SchemaAnnotations.masking(
                    attributes,
                    secrets: SchemaAnnotations.secretProperties(of: spec?["attributes"]?["schema"])
                )
            }
            return result
        case .serviceSpecification, .linkSpecification, .actionSpecification:
            return kind.ordered(object)
        }
    }

    /// An action as a client sees it; it needs no read, so a new action is presented after its transaction, out
    /// of the writer's way.
    static func presentAction(_ kind: EntityKind, _ object: JSONObject, options: ReadOptions) -> JSONObject {
        var result = kind.ordered(object)
        if !options.includeMessages { result["messages"] = [] }
        return result
    }
}

/// What a reader asked to see beyond the defaults.
public struct ReadOptions: Sendable {
    public var includeMessages: Bool
    public var includeSecrets: Bool

    public init(includeMessages: Bool = false, includeSecrets: Bool = false) {
        self.includeMessages = includeMessages
        self.includeSecrets = includeSecrets
    }
}
