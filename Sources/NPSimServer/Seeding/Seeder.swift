import Foundation
import NPSimCore
import NPSimOrchestrator
import NPSimStore

/// Loads fixture documents through the same code paths (and checks) as the API, so a fixture that loads is a
/// fixture the API would have accepted. Loading is idempotent: records with an `id` that already exists are
/// left alone, so `npsim serve --seed fixtures` can run again on the same database.
///
/// A fixture document may hold, in this order: `hierarchy` (`[{nrn, name, slug}]`), `service_specifications`
/// (each with optional `action_specifications` and `link_specifications`, which may carry their own
/// `action_specifications`), `providers`, `nrn_settings` (`[{nrn, values: {"namespace.key": value}}]`), `channels`,
/// `services` and `links`, and `api_faults` (each as `POST /_npsim/faults/api` takes it). A channel may carry
/// `faults` (as `PUT /_npsim/faults/channels/{id}` takes them), set each time the fixture is applied, so that a
/// reset that keeps the fixtures arms them again.
struct Seeder: Sendable {
    let orchestrator: Orchestrator
    let faults: InjectedFaults

    struct Report: Sendable {
        var created: [String: Int] = [:]
        var json: JSONValue { .object(JSONObject(created.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })) }
    }

    func seed(_ document: JSONValue, report: inout Report) async throws {
        guard case .object(let object) = document else { throw APIError.validation("a fixture must be a JSON or YAML object") }
        let known: Set<String> = ["hierarchy", "service_specifications", "providers", "nrn_settings", "channels", "services", "links", "api_faults"]
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            throw APIError.validation("fixture key '\(unknown)' is unknown; use \(known.sorted().joined(separator: ", "))")
        }
        for entry in object["hierarchy"]?.arrayValue ?? [] {
            guard let nrnText = entry["nrn"]?.stringValue, entry["name"]?.stringValue != nil, case .object(let body) = entry else {
                throw APIError.validation("each hierarchy entry needs nrn and name")
            }
            try await orchestrator.database.saveEntity(at: try NRN(parsing: nrnText), from: body)
            report.created["hierarchy", default: 0] += 1
        }
        for spec in object["service_specifications"]?.arrayValue ?? [] {
            try await seedSpecification(.serviceSpecification, spec, report: &report)
        }
        for entry in object["providers"]?.arrayValue ?? [] {
            let created = try ProviderRecord(creating: entry, id: entry["id"]?.stringValue ?? UUID.newId())
            if try await orchestrator.database.addProvider(created) { report.created["providers", default: 0] += 1 }
        }
        for entry in object["nrn_settings"]?.arrayValue ?? [] {
            guard let nrnText = entry["nrn"]?.stringValue, case .object(let values)? = entry["values"] else {
                throw APIError.validation("each nrn_settings entry needs nrn and values")
            }
            let nrn = try NRN(parsing: nrnText)
            try await orchestrator.database.patchNRNSettings(nrn, values)
            report.created["nrn_settings", default: 0] += 1
        }
        for entry in object["channels"]?.arrayValue ?? [] {
            guard case .object(var body) = entry else { throw APIError.validation("fixture entries must be objects") }
            let plan = try body["faults"].map { try faults.plan($0, forChannelOfType: body["type"]?.stringValue) }
            body["faults"] = nil
            var channel = try await orchestrator.existingChannel(like: .object(body))
            if channel == nil {
                channel = try await orchestrator.createChannel(body: .object(body))
                report.created["channels", default: 0] += 1
            }
            if let plan, let channel {
                try faults.set(plan, on: channel)
                report.created["channel_faults", default: 0] += 1
            }
        }
        for (key, kind) in [("services", EntityKind.service), ("links", .link)] {
            for entry in object[key]?.arrayValue ?? [] {
                let (id, body) = try split(entry, nested: [])
                if try await orchestrator.exists(kind, id: id) { continue }
                _ =
                    kind == .service
                    ? try await orchestrator.createService(body: .object(body), id: id)
                    : try await orchestrator.createLink(body: .object(body), id: id)
                report.created[key, default: 0] += 1
            }
        }
        for rule in object["api_faults"]?.arrayValue ?? [] {
            try faults.addAPIFault(rule)
            report.created["api_faults", default: 0] += 1
        }
    }

    private func seedSpecification(_ kind: EntityKind, _ entry: JSONValue, parentId: String? = nil, report: inout Report) async throws {
        let (id, body) = try split(entry, nested: ["action_specifications", "link_specifications"])
        var specId = id
        if try await !orchestrator.exists(kind, id: id) {
            var body = body
            if kind == .linkSpecification, let parentId, body["specification_id"] == nil { body["specification_id"] = .string(parentId) }
            specId = try await orchestrator.createSpecification(kind, body: .object(body), id: id)["id"]?.stringValue
            report.created[kind.rawValue, default: 0] += 1
        }
        guard let specId else { return }
        for action in entry["action_specifications"]?.arrayValue ?? [] {
            let (actionId, actionBody) = try split(action, nested: [])
            if try await orchestrator.exists(.actionSpecification, id: actionId) { continue }
            _ = try await orchestrator.createActionSpecification(parent: kind, parentId: specId, body: .object(actionBody), id: actionId)
            report.created["action_specification", default: 0] += 1
        }
        for link in entry["link_specifications"]?.arrayValue ?? [] {
            try await seedSpecification(.linkSpecification, link, parentId: specId, report: &report)
        }
    }

    /// Separates the fixture's fixed `id` and nested collections from the body the API would take.
    private func split(_ entry: JSONValue, nested: [String]) throws -> (String?, JSONObject) {
        guard case .object(var body) = entry else { throw APIError.validation("fixture entries must be objects") }
        let id = body["id"]?.stringValue
        body["id"] = nil
        for key in nested { body[key] = nil }
        return (id, body)
    }
}
