import Metrics
import NPSimCore
import NPSimStore
import Synchronization

/// The dispatcher's own metrics: attempts by outcome and attempt latency. Counts of notifications and queue
/// depth are read from the database when `/metrics` is scraped, so they are exact after a restart.
final class DeliveryMetrics: Sendable {
    private struct Handlers: Sendable {
        let attempts: Counter
        let duration: Timer
    }

    let factory: any MetricsFactory
    /// The handlers of each channel type and outcome, made once: making one asks the factory, which builds the
    /// dimension strings and looks them up in its registry under a lock, for every attempt.
    private let handlers = Mutex<[String: Handlers]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func record(channelType: String, conclusion: AttemptRecord.Conclusion, duration: Duration) {
        let outcome = conclusion.outcome
        let key = "\(channelType) \(outcome)"
        let handlers = self.handlers.withLock { handlers in
            if let known = handlers[key] { return known }
            let made = Handlers(
                attempts: Counter(
                    label: "npsim_delivery_attempts_total",
                    dimensions: [("channel_type", channelType), ("outcome", outcome)],
                    factory: factory
                ),
                duration: Timer(label: "npsim_delivery_attempt_duration_seconds", dimensions: [("channel_type", channelType)], factory: factory)
            )
            handlers[key] = made
            return made
        }
        handlers.attempts.increment()
        handlers.duration.recordNanoseconds(duration.nanoseconds)
    }
}
