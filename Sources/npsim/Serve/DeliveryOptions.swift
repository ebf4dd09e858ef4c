import ArgumentParser
import Foundation
import NPSimCore
import NPSimDelivery
import NPSimServer

/// `serve`'s delivery options: signing, retries, timeouts, retention and concurrency.
struct DeliveryOptions: ParsableArguments {
    @Option(help: "Standard Webhooks secret (whsec_...) to sign http deliveries with; a channel's configuration.signing_secret overrides it.")
    var webhookSecret: String?

    @Option(
        help:
            "Delays before each retry; its length is the number of retries [default \(DeliveryPolicy.scheduleText(Defaults.delivery.retrySchedule))]."
    )
    var retrySchedule: String?

    @Option(help: "Seconds one delivery attempt may take, response body included [default \(Defaults.delivery.timeout.seconds.formatted)].")
    var deliveryTimeout: Double?

    @Option(help: "Delivery attempts kept in the database; older ones are dropped [default \(Defaults.delivery.attemptRetention)].")
    var attemptRetention: Int?

    @Option(
        help:
            "Notifications kept; the oldest finished ones are dropped with their deliveries and attempts [default \(Defaults.delivery.notificationRetention)]."
    )
    var notificationRetention: Int?

    @Option(help: "Deliveries in flight at once [default \(Defaults.delivery.globalConcurrency)].")
    var maxDeliveries: Int?

    @Option(help: "Deliveries in flight at once to one channel [default \(Defaults.delivery.perChannelConcurrency)].")
    var maxDeliveriesPerChannel: Int?

    func policy(_ sources: SettingSources) throws -> DeliveryPolicy {
        var delivery = DeliveryPolicy()
        delivery.webhookSecret = sources.string(webhookSecret, "webhook-secret")
        if let schedule = sources.string(retrySchedule, "retry-schedule") {
            do { delivery.retrySchedule = try DeliveryPolicy.parseSchedule(schedule) } catch { throw ValidationError("--retry-schedule: \(error)") }
        }
        if let timeout = try sources.seconds(deliveryTimeout, "delivery-timeout") { delivery.timeout = timeout }
        let limits: [(Int?, String, WritableKeyPath<DeliveryPolicy, Int>)] = [
            (attemptRetention, "attempt-retention", \.attemptRetention), (maxDeliveries, "max-deliveries", \.globalConcurrency),
            (maxDeliveriesPerChannel, "max-deliveries-per-channel", \.perChannelConcurrency),
            (notificationRetention, "notification-retention", \.notificationRetention),
        ]
        for (value, name, keyPath) in limits {
            guard let number = try sources.number(value.map(Double.init), name).map(Int.init(saturating:)) else { continue }
            guard number > 0 else { throw ValidationError("--\(name) must be positive, got \(number)") }
            delivery[keyPath: keyPath] = number
        }
        return delivery
    }
}
