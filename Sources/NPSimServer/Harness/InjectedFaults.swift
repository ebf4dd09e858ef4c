import NPSimCore
import NPSimDelivery

/// Every fault a test injected, into channels' deliveries and into npsim's own API: what `/_npsim/faults` and
/// fixtures (a channel's `faults`, a document's `api_faults`) set, checked the same way for both.
struct InjectedFaults: Sendable {
    let deliveries: DeliveryFaults
    let api: APIFaults

    /// A channel's faults from a request's or a fixture's body, checked against the channel's type (before a
    /// fixture creates the channel, so a refused fault leaves nothing behind).
    func plan(_ body: JSONValue, forChannelOfType type: String?) throws -> DeliveryFaults.Plan {
        let plan = try DeliveryFaults.Plan(parsing: body)
        if plan.altersSignatures, type != "http" {
            throw APIError.validation(
                "tamper_signature_next and stale_signature_next apply to http channels, which sign their deliveries; this channel is \(type ?? "untyped")"
            )
        }
        return plan
    }

    /// Sets a channel's faults, replacing what it had.
    func set(_ plan: DeliveryFaults.Plan, on channel: JSONObject) throws {
        guard let id = channel["id"]?.intValue else { throw APIError.validation("the channel has no id") }
        deliveries.set(plan, channelId: id)
    }

    func addAPIFault(_ body: JSONValue) throws {
        api.add(try APIFaults.Rule(parsing: body))
    }

    func clear() {
        deliveries.clear()
        api.clear()
    }

    var json: JSONValue {
        ["channels": deliveries.json, "api": api.json]
    }
}
