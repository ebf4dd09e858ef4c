import NPSimCore
import NPSimStore

extension Orchestrator {
    /// Creates a service (`pending` unless the client imports it with another status).
    public func createService(body: JSONValue, id: String? = nil, for tenancy: Tenancy = .everyOrganization) async throws -> JSONObject {
        try await createInstance(.service, body: body, id: id, tenancy: tenancy)
    }

    /// Creates a link between an application (or scope) and a service.
    public func createLink(body: JSONValue, id: String? = nil, for tenancy: Tenancy = .everyOrganization) async throws -> JSONObject {
        try await createInstance(.link, body: body, id: id, tenancy: tenancy)
    }

    private func createInstance(_ kind: EntityKind, body: JSONValue, id fixedId: String?, tenancy: Tenancy) async throws -> JSONObject {
        let validated = try kind.validatedForCreate(body)
        try Self.checkWithin(tenancy, nrn: validated["entity_nrn"]?.stringValue, field: "\(kind.rawValue).entity_nrn")
        return try await database.write { db in
            var object = validated
            let specKind: EntityKind = kind == .service ? .serviceSpecification : .linkSpecification
            let specId = try object.string("specification_id", of: kind.rawValue)
            guard let spec = try db.fetch(specKind, id: specId), try reaches(tenancy, specKind, spec, in: db) else {
                throw APIError.validation("\(kind.rawValue).specification_id '\(specId)' is not an existing \(specKind.displayName)")
            }
            let nrn = try NRN(parsing: try object.string("entity_nrn", of: kind.rawValue))
            try db.lineage(of: nrn, creatingMissing: !strictNRN)
            if kind == .link {
                let serviceId = try object.string("service_id", of: kind.rawValue)
                guard let service = try db.fetch(.service, id: serviceId), try reaches(tenancy, .service, service, in: db) else {
                    throw APIError.validation("link.service_id '\(serviceId)' is not an existing service")
                }
                guard spec["specification_id"] == service["specification_id"] else {
                    throw APIError.validation(
                        "link.specification_id '\(specId)' is a link specification for another service specification than the service's"
                    )
                }
                if service["status"]?.stringValue == EntityStatus.deleted.rawValue {
                    throw APIError.conflict("service '\(serviceId)' is deleted; it cannot be linked")
                }
                if spec["unique"] == .bool(true) {
                    let existing = try db.list(
                        {
                            var q = DocumentQuery(kind: .link)
                            q.parentId = serviceId
                            q.specificationIds = [specId]
                            q.limit = 1
                            return q
                        }()
                    )
                    if existing.total > 0 {
                        throw APIError.conflict(
                            "link specification '\(spec["slug"]?.stringValue ?? specId)' is unique and service '\(serviceId)' is already linked by it"
                        )
                    }
                }
            }
            try Self.checkAttributes(object["attributes"] ?? [:], spec: spec, field: "\(kind.rawValue).attributes")
            object["id"] = .string(fixedId ?? Self.newId())
            try assignSlug(&object, kind: kind)
            try checkSlugIsFree(
                kind,
                slug: try object.string("slug", of: kind.rawValue),
                scopeColumn: kind == .service ? .nrn : .parent,
                scopeValue: kind == .service ? nrn.description : object["service_id"]?.stringValue,
                excluding: nil,
                in: db
            )
            if object["linkable_to"] == nil { object["linkable_to"] = [.string(nrn.description)] }
            object["type"] = spec["type"] ?? "dependency"
            object["created_at"] = .string(timestamp())
            object["updated_at"] = object["created_at"]
            try db.insert(kind, object)
            return try present(kind, db.require(kind, id: try object.string("id", of: kind.rawValue)), options: ReadOptions(), in: db)
        }
    }

    /// `PATCH /service/{id}` and `PATCH /link/{id}`. `attributes` are merged into the stored ones (runners write
    /// their outputs this way) and the result is checked against the specification's schema.
    public func patchInstance(_ kind: EntityKind, id: String, body: JSONValue, for tenancy: Tenancy = .everyOrganization) async throws -> JSONObject {
        try await database.write { db in
            var object = try require(kind, id: id, for: tenancy, in: db)
            let changes = try kind.validatedForPatch(body, current: object)
            for (key, value) in changes {
                if key == "attributes", case .object(let stored) = object["attributes"], case .object(let patch) = value {
                    object[key] = .object(stored.deepMerged(with: patch))
                } else {
                    object[key] = value
                }
            }
            if changes["attributes"] != nil {
                let specKind: EntityKind = kind == .service ? .serviceSpecification : .linkSpecification
                let spec = try db.require(specKind, id: try object.storedString("specification_id", of: kind.displayName))
                try Self.checkAttributes(object["attributes"] ?? [:], spec: spec, field: "\(kind.rawValue).attributes")
            }
            if let name = changes["name"]?.stringValue, changes["slug"] == nil { object["slug"] = .string(Slug.from(name)) }
            try checkSlugIsFree(
                kind,
                slug: object["slug"]?.stringValue ?? "",
                scopeColumn: kind == .service ? .nrn : .parent,
                scopeValue: kind == .service ? object["entity_nrn"]?.stringValue : object["service_id"]?.stringValue,
                excluding: id,
                in: db
            )
            object["updated_at"] = .string(timestamp())
            try db.update(kind, object)
            return try present(kind, object, options: ReadOptions(includeSecrets: true), in: db)
        }
    }

    /// Removes a service or link record and its actions.
    ///
    /// As in nullplatform, a record that something still has to deprovision (its specification has a delete
    /// action, it is neither `failed` nor `deleted`, and it ran an action) is refused with 403 unless `force` is
    /// set, and a service that still has links cannot be deleted at all. One that never ran an action (created
    /// `pending` and left so) has nothing to deprovision: `terraform destroy` deletes it as it is.
    public func deleteInstance(_ kind: EntityKind, id: String, force: Bool, for tenancy: Tenancy = .everyOrganization) async throws -> JSONObject {
        try await database.write { db in
            let object = try require(kind, id: id, for: tenancy, in: db)
            if kind == .service {
                let links = try db.count(.link, where: .parent, is: id)
                guard links == 0 else {
                    throw APIError.conflict("service '\(id)' has \(links) link(s); delete them first (DELETE /link/{id})")
                }
            }
            let status = EntityStatus(rawValue: object["status"]?.stringValue ?? "") ?? .pending
            let specId = object["specification_id"]?.stringValue ?? ""
            let actionKind: EntityKind = kind == .service ? .serviceAction : .linkAction
            let hasDeleteAction = try db.children(.actionSpecification, of: specId).contains { $0["type"] == "delete" }
            let neverProvisioned = try status == .pending && db.count(actionKind, where: .parent, is: id) == 0
            if !force, hasDeleteAction, status != .failed, status != .deleted, !neverProvisioned {
                throw APIError.forbidden(
                    "the \(kind.displayName) is \(status.rawValue): run its delete action (POST /\(kind.rawValue)/\(id)/action) so the runner deprovisions it, or pass force=true to remove only the record"
                )
            }
            try db.deleteChildren(actionKind, of: id)
            try db.delete(kind, id: id)
            return try present(kind, object, options: ReadOptions(includeMessages: true), in: db)
        }
    }

    /// Attributes may be partial (outputs arrive later), so `required` is not enforced; everything else is.
    static func checkAttributes(_ attributes: JSONValue, spec: JSONObject, field: String) throws {
        guard case .object(var schema) = spec["attributes"]?["schema"] else { return }
        schema["required"] = nil
        try SchemaValidator.validate(attributes, against: .object(schema), at: field)
    }
}
