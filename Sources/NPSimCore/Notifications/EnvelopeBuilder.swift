import Foundation

/// Builds the notification nullplatform sends for a service or link action, field for field as in the
/// product brief's payload example.
public enum EnvelopeBuilder {
    /// Every new action, whatever its type, is announced as `service:action:create`; `type` carries the kind.
    public static let event = "service:action:create"
    public static let source = "service"

    /// The records a notification is built from, as stored.
    public struct Input: Sendable {
        public var action: JSONObject
        public var actionSpecification: JSONObject
        public var service: JSONObject
        public var serviceSpecification: JSONObject
        public var link: JSONObject?
        public var linkSpecification: JSONObject?
        public var lineage: [NRNEntity]
        public var entityNRN: String

        public init(
            action: JSONObject,
            actionSpecification: JSONObject,
            service: JSONObject,
            serviceSpecification: JSONObject,
            link: JSONObject? = nil,
            linkSpecification: JSONObject? = nil,
            lineage: [NRNEntity],
            entityNRN: String
        ) {
            self.action = action
            self.actionSpecification = actionSpecification
            self.service = service
            self.serviceSpecification = serviceSpecification
            self.link = link
            self.linkSpecification = linkSpecification
            self.lineage = lineage
            self.entityNRN = entityNRN
        }
    }

    /// The `notification` object of the envelope.
    public static func notification(_ input: Input) -> JSONObject {
        let action = input.action
        func reference(_ spec: JSONObject) -> JSONValue { ["id": spec["id"] ?? .null, "slug": spec["slug"] ?? .null] }
        func entity(_ record: JSONObject, _ spec: JSONObject) -> JSONValue {
            [
                "id": record["id"] ?? .null, "slug": record["slug"] ?? .null, "attributes": record["attributes"] ?? [:],
                "specification": reference(spec), "dimensions": record["dimensions"] ?? [:],
                "name": record["name"] ?? .null, "type": record["type"] ?? "dependency", "status": record["status"] ?? .null,
                "nrn": record["entity_nrn"] ?? .null,
            ]
        }
        var link = input.link.map { entity($0, input.linkSpecification ?? [:]) } ?? .null
        if case .object(var object) = link {
            // Runners read where the link points: `link.scope` (id, nrn, slug) and `link.entity` (the application,
            // or whatever entity the link was made at), as nullplatform's link payloads carry them.
            func summary(_ entity: NRNEntity) -> JSONValue {
                ["id": .string(entity.id), "nrn": .string(entity.nrn.description), "slug": .string(entity.slug), "name": .string(entity.name)]
            }
            let scope = input.lineage.last { $0.level == .scope }
            let application = input.lineage.last { $0.level == .application }
            object["scope"] = scope.map(summary) ?? .null
            object["application"] = application.map(summary) ?? .null
            object["entity"] =
                (application ?? input.lineage.last).map { entity in
                    guard case .object(var fields) = summary(entity) else { return .null }
                    fields["type"] = .string(entity.level.rawValue)
                    return .object(fields)
                } ?? .null
            link = .object(object)
        }
        return [
            "action": .string(event),
            "id": action["id"] ?? .null,
            "name": action["name"] ?? .null,
            "slug": action["slug"] ?? .null,
            "messages": action["messages"] ?? [],
            "status": action["status"] ?? "pending",
            "created_at": action["created_at"] ?? .null,
            "updated_at": action["updated_at"] ?? .null,
            "parameters": action["parameters"] ?? [:],
            "results": action["results"] ?? [:],
            "type": action["type"] ?? "custom",
            "specification": reference(input.actionSpecification),
            "service": entity(input.service, input.serviceSpecification),
            "link": link,
            "dimensions": (input.link ?? input.service)["dimensions"] ?? [:],
            "tags": .object(NRNEntity.tags(for: input.lineage)),
            "entity_nrn": .string(input.entityNRN),
        ]
    }

    /// The envelope: `{"id", "source", "created_at": "<epoch ms>", "notification": {...}}`.
    public static func envelope(id: String, createdAt: Date, notification: JSONObject) -> JSONValue {
        [
            "id": .string(id), "source": .string(source), "created_at": .string(ISO8601.epochMilliseconds(createdAt)),
            "notification": .object(notification),
        ]
    }
}
