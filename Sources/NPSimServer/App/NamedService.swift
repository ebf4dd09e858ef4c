import Logging
import ServiceLifecycle

/// A service under a short name. ServiceLifecycle names every service it runs with `"\(service)"`, which for a type
/// without a description prints the whole value by reflection, dynamic casts and all: for Hummingbird's
/// `Application` (the router with every route, and every service in it) that was a third of npsim's start-up.
public struct NamedService: Service, CustomStringConvertible {
    public let description: String
    let operation: @Sendable () async throws -> Void

    public init(_ description: String, _ base: any Service) {
        self.description = description
        self.operation = base.run
    }

    /// A task that runs until cancelled, as a service that graceful shutdown cancels.
    public init(_ description: String, cancelledOnGracefulShutdown operation: @escaping @Sendable () async throws -> Void) {
        self.description = description
        self.operation = { try await cancelWhenGracefulShutdown(operation) }
    }

    public func run() async throws {
        try await operation()
    }
}

/// The service group `npsim serve` and `npsim demo` run the server in: graceful shutdown on SIGTERM and SIGINT.
public func serverServiceGroup(running application: any Service, logger: Logger) -> ServiceGroup {
    ServiceGroup(
        configuration: .init(
            services: [NamedService("npsim server", application)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
    )
}
