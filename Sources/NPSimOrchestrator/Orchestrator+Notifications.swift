import Foundation
import NPSimCore
import NPSimStore

extension Orchestrator {
    /// The notification announcing a new action, routed to the channels that will receive it, ready to insert.
    func notification(
        announcing action: JSONObject,
        specification: JSONObject,
        parent: ActionParent,
        entity: JSONObject,
        reference: ReferenceData,
        in db: StoreTransaction
    ) throws -> Outbox.PreparedNotification {
        var input: EnvelopeBuilder.Input
        let entityNRN = entity["entity_nrn"]?.stringValue ?? ""
        let nrn = try reference.nrn(entityNRN)
        let lineage = try reference.lineage(of: nrn)
        if parent.kind == .link {
            let service = try db.require(.service, id: entity["service_id"]?.stringValue ?? "")
            input = EnvelopeBuilder.Input(
                action: action,
                actionSpecification: specification,
                service: service,
                serviceSpecification: try reference.specification(.serviceSpecification, id: service["specification_id"]?.stringValue ?? "") ?? [:],
                link: entity,
                linkSpecification: try reference.specification(.linkSpecification, id: entity["specification_id"]?.stringValue ?? ""),
                lineage: lineage,
                entityNRN: entityNRN
            )
        } else {
            input = EnvelopeBuilder.Input(
                action: action,
                actionSpecification: specification,
                service: entity,
                serviceSpecification: try reference.specification(.serviceSpecification, id: entity["specification_id"]?.stringValue ?? "") ?? [:],
                lineage: lineage,
                entityNRN: entityNRN
            )
        }
        let notification = EnvelopeBuilder.notification(input)
        let createdAt = now()
        return Outbox.PreparedNotification(
            envelope: EnvelopeBuilder.envelope(id: Self.newId(), createdAt: createdAt, notification: notification),
            source: EnvelopeBuilder.source,
            event: EnvelopeBuilder.event,
            nrn: entityNRN,
            actionId: action["id"]?.stringValue,
            routing: try route(.object(notification), nrn: nrn, reference: reference),
            now: createdAt
        )
    }

    /// The channels a notification goes to, and why each other channel was skipped.
    func route(_ notification: JSONValue, nrn: NRN, reference: ReferenceData) throws -> Outbox.Routing {
        var routing = Outbox.Routing()
        for channel in try reference.channels() {
            switch ChannelRouter.decide(
                channel: channel.object,
                channelNRN: channel.nrn,
                source: EnvelopeBuilder.source,
                entityNRN: nrn,
                notification: notification,
                agentTags: agentTags
            ) {
            case .deliver: routing.channels.append(channel.object)
            case .skip(let reason): routing.skipped.append(reason)
            }
        }
        if routing.channels.isEmpty, routing.skipped.isEmpty {
            routing.skipped.append("no notification channel exists; create one with POST /notification/channel")
        }
        return routing
    }

    /// `POST /notification/{id}/resend`: a new notification (new id, same `notification` payload) to the given
    /// channels, or to every channel that routing picks now.
    public func resend(notificationId: String, channelIds: [Int]?, for tenancy: Tenancy = .everyOrganization) async throws -> JSONObject {
        let id = try await writeQueuingDeliveries { db, reservations in
            let original = try db.storedNotification(notificationId, for: tenancy)
            let nrnText = original.nrn
            var routing: Outbox.Routing
            if let channelIds {
                routing = Outbox.Routing()
                for channelId in channelIds {
                    guard let channel = try db.fetch(.channel, id: String(channelId)), try reaches(tenancy, .channel, channel, in: db)
                    else {
                        throw APIError.validation("channel_ids: channel \(channelId) does not exist")
                    }
                    routing.channels.append(channel)
                }
            } else {
                routing = try route(original.envelope["notification"] ?? .null, nrn: NRN(parsing: nrnText), reference: db.reference())
            }
            let newId = Self.newId()
            var envelope = original.envelope
            envelope["id"] = .string(newId)
            envelope["created_at"] = .string(ISO8601.epochMilliseconds(now()))
            let prepared = Outbox.PreparedNotification(
                envelope: .object(envelope),
                source: envelope["source"]?.stringValue ?? EnvelopeBuilder.source,
                event: EnvelopeBuilder.event,
                nrn: nrnText,
                actionId: original.actionId,
                routing: routing,
                resentFrom: notificationId,
                now: now()
            )
            try db.enqueue(prepared, reservations: reservations)
            return newId
        }
        return try await database.notification(id: id)
    }

    /// Puts a dead or failed delivery back in the queue for an immediate attempt, keeping its history.
    public func retryDelivery(id: Int64, for tenancy: Tenancy = .everyOrganization) async throws -> JSONObject {
        try await writeQueuingDeliveries { db, reservations in
            try db.retryDelivery(id, for: tenancy, now: now())
            reservations.queuedPending()
        }
        return try await database.delivery(id: id)
    }
}
