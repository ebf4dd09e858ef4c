import Metrics
import NPSimCore
import NPSimStore

/// The dispatcher's own metrics: attempts by outcome and attempt latency. Counts of notifications and queue
/// depth are read from the database when `/metrics` is scraped, so they are exact after a restart.
struct DeliveryMetrics: Sendable {
    let factory: any MetricsFactory

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func record(channelType: String, conclusion: AttemptRecord.Conclusion, duration: Duration) {
        let outcome = Dispatcher.name(conclusion).replacingOccurrences(of: " ", with: "_")
        Counter(label: "npsim_delivery_attempts_total", dimensions: [("channel_type", channelType), ("outcome", outcome)], factory: factory)
            .increment()
        Timer(label: "npsim_delivery_attempt_duration_seconds", dimensions: [("channel_type", channelType)], factory: factory).recordNanoseconds(
            duration.nanoseconds
        )
    }
}
