import Hummingbird
import Metrics
import NPSimHTTP
import NPSimStore
import Prometheus

/// `GET /metrics` in Prometheus' text format. Counts that live in the database (notifications and deliveries
/// by status, queue depth) are read at scrape time; attempt counters and latency come from the dispatcher.
struct MetricsController {
    let database: AppDatabase
    let registry: PrometheusCollectorRegistry

    func register(on routes: Routes) {
        routes.get("/metrics", "Prometheus metrics") { _, _ in
            let (notificationCounts, deliveryCounts, attempts, _) = try await database.counts()
            registry.makeGauge(name: "npsim_attempts_stored").set(Double(attempts))
            for status in ["pending", "delivered", "failed", "unmatched"] {
                registry.makeGauge(name: "npsim_notifications", labels: [("status", status)]).set(Double(notificationCounts[status] ?? 0))
            }
            for status in DeliveryStatus.allCases {
                registry.makeGauge(name: "npsim_deliveries", labels: [("status", status.rawValue)]).set(Double(deliveryCounts[status.rawValue] ?? 0))
            }
            registry.makeGauge(name: "npsim_delivery_queue_depth")
                .set(Double((deliveryCounts["pending"] ?? 0) + (deliveryCounts["in_flight"] ?? 0)))
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
    }
}
