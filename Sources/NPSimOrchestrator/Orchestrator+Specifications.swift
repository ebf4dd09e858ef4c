import NPSimCore
import NPSimStore

extension Orchestrator {
    /// Creates a service or link specification; with `use_default_actions` it also creates the create, update and
    /// delete action specifications derived from the attributes schema.
    public func createSpecification(
        _ kind: EntityKind,
        body: JSONValue,
        id fixedId: String? = nil,
        for tenancy: Tenancy = .everyOrganization
    ) async throws -> JSONObject {
        let validated = try kind.validatedForCreate(body)
        try Self.checkVisibility(validated, kind: kind, within: tenancy)
        try Self.checkAttributesSchema(validated)
        return try await database.write { db in
            var object = validated
            object["id"] = .string(fixedId ?? Self.newId())
            try assignSlug(&object, kind: kind)
            if kind == .linkSpecification {
                let serviceSpecId = try object.string("specification_id", of: kind.rawValue)
                guard let parent = try db.fetch(.serviceSpecification, id: serviceSpecId),
                    try reaches(tenancy, .serviceSpecification, parent, in: db)
                else {
                    throw APIError.validation("link_specification.specification_id '\(serviceSpecId)' is not an existing service specification")
                }
                if object["visible_to"] == nil || object["visible_to"] == .null { object["visible_to"] = parent["visible_to"] ?? [] }
            }
            try checkSlugIsFree(
                kind,
                slug: try object.string("slug", of: kind.rawValue),
                scopeColumn: kind == .linkSpecification ? .parent : nil,
                scopeValue: object["specification_id"]?.stringValue,
                excluding: nil,
                in: db
            )
            object["created_at"] = .string(timestamp())
            object["updated_at"] = object["created_at"]
            try db.insert(kind, object)
            if object["use_default_actions"] == .bool(true) {
                for action in try DefaultActions.specifications(for: object, kind: kind) {
                    var action = action
                    action["id"] = .string(Self.newId())
                    action["created_at"] = object["created_at"]
                    action["updated_at"] = object["created_at"]
                    try db.insert(.actionSpecification, action)
                }
            }
            return try present(kind, db.require(kind, id: try object.string("id", of: kind.rawValue)), options: ReadOptions(), in: db)
        }
    }

    public func patchSpecification(
        _ kind: EntityKind,
        id: String,
        body: JSONValue,
        for tenancy: Tenancy = .everyOrganization
    ) async throws
        -> JSONObject
    {
        try await database.write { db in
            var object = try require(kind, id: id, for: tenancy, in: db)
            let changes = try kind.validatedForPatch(body, current: object)
            for (key, value) in changes { object[key] = value }
            try Self.checkVisibility(object, kind: kind, within: tenancy)
            try Self.checkAttributesSchema(object)
            if let name = changes["name"]?.stringValue, changes["slug"] == nil { object["slug"] = .string(Slug.from(name)) }
            try checkSlugIsFree(
                kind,
                slug: object["slug"]?.stringValue ?? "",
                scopeColumn: kind == .linkSpecification ? .parent : nil,
                scopeValue: object["specification_id"]?.stringValue,
                excluding: id,
                in: db
            )
            object["updated_at"] = .string(timestamp())
            try db.update(kind, object)
            return try present(kind, object, options: ReadOptions(includeMessages: true), in: db)
        }
    }

    /// Deletes a specification that nothing uses any more, with its action specifications.
    public func deleteSpecification(_ kind: EntityKind, id: String, for tenancy: Tenancy = .everyOrganization) async throws -> JSONObject {
        try await database.write { db in
            let object = try require(kind, id: id, for: tenancy, in: db)
            let users =
                kind == .serviceSpecification
                ? try db.count(.service, where: .specification, is: id)
                    + db.count(.linkSpecification, where: .parent, is: id)
                : try db.count(.link, where: .specification, is: id)
            guard users == 0 else {
                throw APIError.conflict("the \(kind.displayName) '\(id)' is used by \(users) record(s); delete them first")
            }
            try db.deleteChildren(.actionSpecification, of: id)
            try db.delete(kind, id: id)
            return try present(kind, object, options: ReadOptions(includeMessages: true), in: db)
        }
    }

    public func createActionSpecification(
        parent parentKind: EntityKind,
        parentId: String,
        body: JSONValue,
        id fixedId: String? = nil,
        for tenancy: Tenancy = .everyOrganization
    ) async throws -> JSONObject {
        let validated = try EntityKind.actionSpecification.validatedForCreate(body)
        try Self.checkSchemaPatterns(validated)
        return try await database.write { db in
            var object = validated
            _ = try require(parentKind, id: parentId, for: tenancy, in: db)
            object["id"] = .string(fixedId ?? Self.newId())
            try assignSlug(&object, kind: .actionSpecification)
            object[parentKind == .serviceSpecification ? "service_specification_id" : "link_specification_id"] = .string(parentId)
            try checkSlugIsFree(
                .actionSpecification,
                slug: try object.string("slug", of: "action_specification"),
                scopeColumn: .parent,
                scopeValue: parentId,
                excluding: nil,
                in: db
            )
            object["created_at"] = .string(timestamp())
            object["updated_at"] = object["created_at"]
            try db.insert(.actionSpecification, object)
            return try db.require(.actionSpecification, id: try object.string("id", of: "action_specification"))
        }
    }

    /// Reads an action specification under the parent named in the path (a wrong parent is a 404).
    /// An action specification, which must belong to `parentId` when one is given.
    public func actionSpecification(
        parent parentKind: EntityKind?,
        parentId: String?,
        id: String,
        for tenancy: Tenancy = .everyOrganization
    ) async throws -> JSONObject {
        try await database.read { db in try actionSpecification(parent: parentKind, parentId: parentId, id: id, for: tenancy, in: db) }
    }

    func actionSpecification(
        parent parentKind: EntityKind?,
        parentId: String?,
        id: String,
        for tenancy: Tenancy = .everyOrganization,
        in db: StoreTransaction
    ) throws -> JSONObject {
        let object = try require(.actionSpecification, id: id, for: tenancy, in: db)
        if let parentKind, let parentId {
            let field = parentKind == .serviceSpecification ? "service_specification_id" : "link_specification_id"
            guard object[field]?.stringValue == parentId else { throw APIError.notFound("action specification", id) }
        }
        return object
    }

    public func patchActionSpecification(
        parent parentKind: EntityKind,
        parentId: String,
        id: String,
        body: JSONValue,
        for tenancy: Tenancy = .everyOrganization
    ) async throws -> JSONObject {
        try await database.write { db in
            var object = try actionSpecification(parent: parentKind, parentId: parentId, id: id, for: tenancy, in: db)
            let changes = try EntityKind.actionSpecification.validatedForPatch(body, current: object)
            for (key, value) in changes { object[key] = value }
            try Self.checkSchemaPatterns(object)
            if let name = changes["name"]?.stringValue, changes["slug"] == nil { object["slug"] = .string(Slug.from(name)) }
            try checkSlugIsFree(
                .actionSpecification,
                slug: object["slug"]?.stringValue ?? "",
                scopeColumn: .parent,
                scopeValue: parentId,
                excluding: id,
                in: db
            )
            object["updated_at"] = .string(timestamp())
            try db.update(.actionSpecification, object)
            return try present(.actionSpecification, object, options: ReadOptions(includeMessages: true), in: db)
        }
    }

    public func deleteActionSpecification(
        parent parentKind: EntityKind,
        parentId: String,
        id: String,
        for tenancy: Tenancy = .everyOrganization
    ) async throws -> JSONObject {
        try await database.write { db in
            let object = try actionSpecification(parent: parentKind, parentId: parentId, id: id, for: tenancy, in: db)
            try db.delete(.actionSpecification, id: id)
            return try present(.actionSpecification, object, options: ReadOptions(includeMessages: true), in: db)
        }
    }

    /// A token of one organization may make a specification visible within it only.
    static func checkVisibility(_ object: JSONObject, kind: EntityKind, within tenancy: Tenancy) throws {
        for pattern in object["visible_to"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
            try checkWithin(tenancy, nrn: pattern, field: "\(kind.rawValue).visible_to")
        }
    }

    /// `attributes` must be `{schema, values}` with an object schema, so that services can be checked against it.
    static func checkAttributesSchema(_ object: JSONObject) throws {
        try checkSchemaPatterns(object)
        guard let attributes = object["attributes"] else { return }
        if let schema = attributes["schema"], schema.objectValue == nil {
            throw APIError.validation("attributes.schema must be a JSON schema object, got \(schema.typeName)")
        }
    }

    /// Every `pattern` in the schemas a specification carries must be one npsim can match within its bound.
    static func checkSchemaPatterns(_ object: JSONObject) throws {
        for field in ["attributes", "parameters", "results"] {
            if let schema = object[field]?["schema"] { try SchemaValidator.checkPatterns(in: schema, at: "\(field).schema") }
        }
    }
}
