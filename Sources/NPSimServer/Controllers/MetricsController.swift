import GRDB
import Hummingbird
import Metrics
import NPSimStore
import Prometheus

/// `GET /metrics` in Prometheus' text format. Counts that live in the database (notifications and deliveries
/// by status, queue depth) are read at scrape time; attempt counters and latency come from the dispatcher.
struct MetricsController {
    let database: AppDatabase
    let registry: PrometheusCollectorRegistry

    func register(on routes: Routes) {
        routes.get("/metrics", "Prometheus metrics") { _, _ in
            let (notifications, deliveries, attempts) = try await database.writer.read { db in
                (
                    try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM notification GROUP BY status"),
                    try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM delivery GROUP BY status"),
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM attempt") ?? 0
                )
            }
            registry.makeGauge(name: "npsim_attempts_stored").set(Double(attempts))
            let notificationCounts = Dictionary(uniqueKeysWithValues: notifications.map { ($0["status"] as String, $0["n"] as Int) })
            for status in ["pending", "delivered", "failed", "unmatched"] {
                registry.makeGauge(name: "npsim_notifications", labels: [("status", status)]).set(Double(notificationCounts[status] ?? 0))
            }
            let deliveryCounts = Dictionary(uniqueKeysWithValues: deliveries.map { ($0["status"] as String, $0["n"] as Int) })
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
