import AsyncHTTPClient

extension HTTPClient.Configuration {
    /// The configuration of the client that delivers notifications; public so that the benchmark's client floor
    /// (`Benchmarks/ClientFloor`) measures exactly the client the dispatcher uses.
    ///
    /// - Parameter connectionsPerHost: how many connections the client may open to one receiver. The dispatcher
    ///   passes its global slot count: its slots are the one limit on deliveries in flight. With the client's own
    ///   default of 8 per host, a channel's deliveries beyond the 8th queued in the client's pool: a receiver never
    ///   saw more than 8 at once, one slower than the connect timeout made the queued ones fail unsent, and under
    ///   load many of a fast channel's deliveries went back through the outbox for want of a slot.
    public static func delivery(connectionsPerHost: Int) -> Self {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(2)
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerHost
        configuration.decompression = .disabled
        // Without a tracer the client skips building span attributes for each request (a parse of its URL and a
        // dozen strings), which it otherwise does even for the no-op tracer it bootstraps with.
        configuration.tracing.tracer = nil
        return configuration
    }
}
