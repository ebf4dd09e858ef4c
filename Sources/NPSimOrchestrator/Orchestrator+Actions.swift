import Foundation
import NPSimCore
import NPSimStore

extension Orchestrator {
    /// The service or link an action belongs to, and the kinds involved.
    public struct ActionParent: Sendable {
        public let kind: EntityKind
        public let id: String
        /// Who asks: a parent outside the caller's organization is a 404.
        public let tenancy: Tenancy

        public init(kind: EntityKind, id: String, tenancy: Tenancy = .everyOrganization) {
            self.kind = kind
            self.id = id
            self.tenancy = tenancy
        }

        var actionKind: EntityKind { kind == .service ? .serviceAction : .linkAction }
        var specificationKind: EntityKind { kind == .service ? .serviceSpecification : .linkSpecification }
        var specificationField: String { kind == .service ? "service_specification_id" : "link_specification_id" }
        var idField: String { kind == .service ? "service_id" : "link_id" }
    }

    /// Runs an action on a service or link: checks its parameters, moves the parent into the action's
    /// transitional status, and stores the action with its notification and deliveries, in one transaction.
    ///
    /// The action is prepared (checked, its notification built and routed) in the same transaction that inserts it.
    /// Preparing it on a snapshot first, and re-checking only the parent in the transaction, was measured to cost
    /// more than it spares the writer (`Benchmarks/README.md`, *What shaped the code*).
    public func createAction(on parent: ActionParent, body: JSONValue, createdBy: String?) async throws -> JSONObject {
        let validated = try parent.actionKind.validatedForCreate(body)
        let action = try await writeQueuingDeliveries { db, reservations in
            let prepared = try prepareAction(on: parent, body: validated, createdBy: createdBy, in: db)
            if let updated = prepared.updatedParent { try db.update(parent.kind, updated) }
            try db.insert(parent.actionKind, prepared.action)
            try db.enqueue(prepared.notification, reservations: reservations)
            return prepared.action
        }
        return Self.presentAction(parent.actionKind, action, options: ReadOptions(includeMessages: true))
    }

    /// A new action, ready to insert: the parent as the action leaves it (`nil` when unchanged), the action, and its
    /// notification.
    struct PreparedAction: Sendable {
        let updatedParent: JSONObject?
        let action: JSONObject
        let notification: Outbox.PreparedNotification
    }

    private func prepareAction(on parent: ActionParent, body: JSONObject, createdBy: String?, in db: StoreTransaction) throws -> PreparedAction {
        var object = body
        let stored = try require(parent.kind, id: parent.id, for: parent.tenancy, in: db)
        let reference = try db.reference()
        let specId = try object.string("specification_id", of: parent.actionKind.rawValue)
        guard let spec = try reference.specification(.actionSpecification, id: specId) else {
            throw APIError.validation("\(parent.actionKind.rawValue).specification_id '\(specId)' is not an existing action specification")
        }
        guard spec[parent.specificationField] == stored["specification_id"] else {
            throw APIError.validation(
                "action specification '\(spec["slug"]?.stringValue ?? specId)' does not belong to the \(parent.kind.displayName)'s specification; list the valid ones at GET /\(parent.specificationKind.rawValue)/\(stored["specification_id"]?.stringValue ?? "")/action_specification"
            )
        }
        let type = ActionType(rawValue: spec["type"]?.stringValue ?? "") ?? .custom
        let current = EntityStatus(rawValue: stored["status"]?.stringValue ?? "") ?? .pending
        let next = try StatusMachine.parentStatus(startingAction: type, parent: current, entity: parent.kind.displayName)
        try SchemaValidator.validate(object["parameters"] ?? [:], against: spec["parameters"]?["schema"] ?? [:], at: "parameters")
        if let messages = object["messages"] { object["messages"] = try Self.normalizedMessages(messages, now: now()) }

        object["id"] = .string(Self.newId())
        if object["name"] == nil {
            let specSlug = spec["slug"]?.stringValue ?? type.rawValue
            object["name"] = .string(type == .custom || type == .diagnose ? specSlug : "\(type.rawValue)-\(stored["slug"]?.stringValue ?? "")")
        }
        try assignSlug(&object, kind: parent.actionKind)
        object["type"] = .string(type.rawValue)
        object[parent.idField] = .string(parent.id)
        if parent.kind == .link { object["service_id"] = stored["service_id"] }
        if let createdBy, object["created_by"] == nil { object["created_by"] = .string(createdBy) }
        object["created_at"] = .string(timestamp())
        object["updated_at"] = object["created_at"]

        var entity = stored
        entity["status"] = .string(next.rawValue)
        let status = ActionStatus(rawValue: object["status"]?.stringValue ?? "") ?? .pending
        try applyOutcome(of: object, type: type, status: status, spec: spec, to: &entity, in: db)
        // A custom action on an active service usually changes nothing of it: its record, and its `updated_at`,
        // stay as they were (and the writer is spared a rewrite of the document and its index entries).
        var updated: JSONObject?
        if entity != stored {
            entity["updated_at"] = object["created_at"]
            updated = entity
        }
        let notification = try notification(
            announcing: object,
            specification: spec,
            parent: parent,
            entity: entity,
            reference: reference,
            in: db
        )
        return PreparedAction(updatedParent: updated, action: object, notification: notification)
    }

    /// What a runner reports: status, results (merged), messages (appended). A terminal status moves the
    /// parent on, and results whose schema property has a `target` are copied into its attributes.
    public func patchAction(on parent: ActionParent, id: String, body: JSONValue) async throws -> JSONObject {
        try await database.write { db in
            var object = try action(on: parent, id: id, in: db)
            let changes = try parent.actionKind.validatedForPatch(body, current: object)
            let spec = try db.fetch(.actionSpecification, id: object["specification_id"]?.stringValue ?? "") ?? [:]
            let currentStatus = ActionStatus(rawValue: object["status"]?.stringValue ?? "") ?? .pending
            var nextStatus = currentStatus
            // What the report changed, for the action's journal.
            var report: JSONObject = ["fields": .array(changes.map { .string($0.key) })]
            for (key, value) in changes {
                switch key {
                case "messages":
                    let added = try Self.normalizedMessages(value, now: now())
                    object["messages"] = .array((object["messages"]?.arrayValue ?? []) + (added.arrayValue ?? []))
                    report["messages"] = added
                case "results":
                    guard case .object(let patch) = value else { continue }
                    report["results"] = SchemaAnnotations.masking(value, secrets: SchemaAnnotations.secretProperties(of: spec["results"]?["schema"]))
                    object["results"] = .object((object["results"]?.objectValue ?? JSONObject()).deepMerged(with: patch))
                    var schema = spec["results"]?["schema"]?.objectValue ?? JSONObject()
                    schema["required"] = nil
                    try SchemaValidator.validate(object["results"] ?? [:], against: .object(schema), at: "results")
                case "parameters":
                    try SchemaValidator.validate(value, against: spec["parameters"]?["schema"] ?? [:], at: "parameters")
                    object[key] = value
                case "status":
                    nextStatus = ActionStatus(rawValue: value.stringValue ?? "") ?? currentStatus
                    try StatusMachine.checkActionTransition(from: currentStatus, to: nextStatus, retryable: spec["retryable"] == .bool(true))
                    object[key] = value
                default:
                    object[key] = value
                }
            }
            object["updated_at"] = .string(timestamp())
            if nextStatus != currentStatus {
                var entity = try db.require(parent.kind, id: parent.id)
                let before = entity["status"] ?? .null
                let type = ActionType(rawValue: object["type"]?.stringValue ?? "") ?? .custom
                try applyOutcome(of: object, type: type, status: nextStatus, spec: spec, to: &entity, in: db)
                entity["updated_at"] = object["updated_at"]
                try db.update(parent.kind, entity)
                report["status"] = ["from": .string(currentStatus.rawValue), "to": .string(nextStatus.rawValue)]
                if entity["status"] != before {
                    report[parent.kind.rawValue] = ["id": .string(parent.id), "status": ["from": before, "to": entity["status"] ?? .null]]
                }
            }
            try db.update(parent.actionKind, object)
            try db.recordActionEvent(actionId: id, at: object["updated_at"]?.stringValue ?? "", kind: "reported", detail: .object(report))
            return try present(parent.actionKind, object, options: ReadOptions(includeMessages: true), in: db)
        }
    }

    public func deleteAction(on parent: ActionParent, id: String) async throws -> JSONObject {
        try await database.write { db in
            let object = try action(on: parent, id: id, in: db)
            try db.delete(parent.actionKind, id: id)
            return try present(parent.actionKind, object, options: ReadOptions(includeMessages: true), in: db)
        }
    }

    public func getAction(on parent: ActionParent, id: String, options: ReadOptions) async throws -> JSONObject {
        try await database.read { db in
            try present(parent.actionKind, try action(on: parent, id: id, in: db), options: options, in: db)
        }
    }

    /// The journal of a service's or link's action (see ``StoreTransaction/journal(of:)``): `{action, events}`.
    public func journal(ofAction id: String, for tenancy: Tenancy = .everyOrganization) async throws -> JSONObject {
        try await database.read { db in
            for kind in [EntityKind.serviceAction, .linkAction] {
                guard let action = try db.fetch(kind, id: id), try reaches(tenancy, kind, action, in: db) else { continue }
                let summary: JSONObject = [
                    "id": .string(id), "kind": .string(kind.rawValue), "name": action["name"] ?? .null, "status": action["status"] ?? .null,
                    kind == .serviceAction ? "service_id" : "link_id": action[kind == .serviceAction ? "service_id" : "link_id"] ?? .null,
                ]
                return ["action": .object(summary), "events": .array(try db.journal(of: action).map(JSONValue.object))]
            }
            throw APIError.notFound("action", id)
        }
    }

    /// Adds an event to the journal of action `id`, if there is such an action (a request an injected fault refused
    /// may name one that does not exist).
    public func journal(event kind: String, detail: JSONObject, onAction id: String) async throws {
        try await database.write { db in
            guard try db.fetch(.serviceAction, id: id) != nil || db.fetch(.linkAction, id: id) != nil else { return }
            try db.recordActionEvent(actionId: id, at: timestamp(), kind: kind, detail: .object(detail))
        }
    }

    /// An action, checked to belong to the parent in the path.
    func action(on parent: ActionParent, id: String, in db: StoreTransaction) throws -> JSONObject {
        _ = try require(parent.kind, id: parent.id, for: parent.tenancy, in: db)
        let object = try db.require(parent.actionKind, id: id)
        guard object[parent.idField]?.stringValue == parent.id else { throw APIError.notFound(parent.actionKind.displayName, id) }
        return object
    }

    /// Moves the parent for an action that reached `status`; on success copies targeted results, and the
    /// parameters of create and update actions that the specification declares, into the parent's attributes.
    private func applyOutcome(
        of action: JSONObject,
        type: ActionType,
        status: ActionStatus,
        spec: JSONObject,
        to entity: inout JSONObject,
        in db: StoreTransaction
    ) throws {
        guard let next = StatusMachine.parentStatus(after: type, reached: status) else { return }
        entity["status"] = .string(next.rawValue)
        guard status == .success else { return }
        var attributes = entity["attributes"]?.objectValue ?? JSONObject()
        if type == .create || type == .update {
            let entitySpecKind: EntityKind = entity["service_id"] == nil ? .serviceSpecification : .linkSpecification
            let entitySpec = try db.fetch(entitySpecKind, id: entity["specification_id"]?.stringValue ?? "")
            let declared = entitySpec?["attributes"]?["schema"]?["properties"]?.objectValue
            for (name, value) in action["parameters"]?.objectValue ?? JSONObject() where declared?[name] != nil {
                attributes[name] = value
            }
        }
        for (result, attribute) in SchemaAnnotations.resultTargets(of: spec["results"]?["schema"]) {
            if let value = action["results"]?[result] { attributes[attribute] = value }
        }
        entity["attributes"] = .object(attributes)
    }

    /// Messages as `{level, message, timestamp}`; `severity` (which Terraform reads) is accepted for `level`.
    static func normalizedMessages(_ value: JSONValue, now: Date) throws -> JSONValue {
        guard let items = value.arrayValue else { throw APIError.validation("messages must be an array, got \(value.typeName)") }
        let levels = ["debug", "info", "information", "warn", "warning", "error", "fatal"]
        return .array(
            try items.enumerated().map { offset, item in
                guard case .object(var message) = item, let text = message["message"]?.stringValue else {
                    throw APIError.validation("messages[\(offset)] must be an object with a string 'message'")
                }
                let level = message["level"]?.stringValue ?? message["severity"]?.stringValue ?? "info"
                guard levels.contains(level) else {
                    throw APIError.validation("messages[\(offset)].level must be one of \(levels.joined(separator: ", ")), got '\(level)'")
                }
                message["level"] = .string(level)
                message["severity"] = nil
                message["message"] = .string(text)
                if message["timestamp"] == nil { message["timestamp"] = .int(Int(now.timeIntervalSince1970 * 1000)) }
                return .object(message)
            }
        )
    }
}

extension Orchestrator {
    /// Every action at `nrn` or under it (all without one) that `tenancy` reaches, oldest first, each with its
    /// deliveries counted by status and the last delivery error: what a failed CI job shows first.
    public func actionOverview(within nrn: NRN?, for tenancy: Tenancy = .everyOrganization) async throws -> [JSONObject] {
        try await database.read { db in
            var deliveries: [String: [JSONObject]] = [:]
            for delivery in try db.deliveries(within: nrn) {
                guard let action = delivery["action_id"]?.stringValue else { continue }
                deliveries[action, default: []].append(delivery)
            }
            var overview: [JSONObject] = []
            for action in try db.actions(within: nrn) {
                let kind: EntityKind = action["link_id"]?.stringValue != nil ? .linkAction : .serviceAction
                let parentKind: EntityKind = kind == .linkAction ? .link : .service
                let parentField = kind == .linkAction ? "link_id" : "service_id"
                guard let id = action["id"]?.stringValue,
                    let parent = try db.fetch(parentKind, id: action[parentField]?.stringValue ?? ""),
                    try reaches(tenancy, parentKind, parent, in: db)
                else { continue }
                let own = deliveries[id] ?? []
                var counts: [String: Int] = [:]
                for delivery in own { counts[delivery["status"]?.stringValue ?? "unknown", default: 0] += 1 }
                let lastError = own.last { $0["last_error"]?.stringValue != nil }?["last_error"] ?? .null
                overview.append([
                    "id": .string(id), "kind": .string(kind.rawValue), parentField: action[parentField] ?? .null,
                    "parent_name": parent["name"] ?? .null, "name": action["name"] ?? .null, "status": action["status"] ?? .null,
                    "created_at": action["created_at"] ?? .null, "updated_at": action["updated_at"] ?? .null,
                    "deliveries": .object(JSONObject(counts.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
                    "last_delivery_error": lastError,
                ])
            }
            return overview
        }
    }
}
