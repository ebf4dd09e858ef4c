import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NPSimCore
import NPSimDelivery
import NPSimHTTP
import NPSimOrchestrator
import NPSimStandIns
import NPSimStore
import Prometheus

/// What a running npsim tells its user: where it listens and which API key to exchange for a token.
public struct ServerBanner: Sendable {
    public let url: String
    public let apiKey: String
    public let authEnabled: Bool
    /// The HTTPS listener's URL, with `--tls`.
    public let secureURL: String?
    /// The CA certificate clients must trust for the HTTPS listener, when npsim issued its certificate.
    public let certificateAuthority: String?
}

/// Builds the whole server: database, seed data, routes and background services. `npsim serve` and the
/// tests both call this, so what the tests exercise is what users run.
public func buildApplication(
    configuration: ServerConfiguration,
    logger: Logger = Logger(label: "npsim"),
    onReady: @escaping @Sendable (ServerBanner) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    var logger = logger
    logger.logLevel = configuration.logLevel
    let database =
        try configuration.databasePath.map { try AppDatabase.file(at: $0, maximumSize: configuration.maximumDatabaseSize) }
        ?? AppDatabase.inMemory()
    let deliveryQueue = DeliveryQueue(policy: configuration.delivery)
    let faults = InjectedFaults(deliveries: DeliveryFaults(), api: APIFaults())
    let clock = EmulatedClock(mode: configuration.clock)
    let orchestrator = Orchestrator(
        database: database,
        now: clock.now,
        agentTags: configuration.agent.tags,
        strictNRN: configuration.strictNRN,
        handoff: deliveryQueue
    )
    let registry = PrometheusCollectorRegistry()
    let providers = try await configuration.providers.resolvingStandInCredentials(in: database)
    let address = ListeningAddress("http://\(configuration.host):\(configuration.port)")
    let issuer = TokenIssuer(secret: try await database.setting("token_signing_key") { (0..<32).map { _ in UInt8.random(in: 0...255) } })
    let primaryKey = try await database.registerOperatorKeys(configuration.apiKeys, organizationId: configuration.organizationId)
    let githubAppKey = providers.github.appKey(database: database)
    var agentSettings = configuration.agent
    agentSettings.fallbackAPIKey = agentSettings.fallbackAPIKey ?? primaryKey
    agentSettings.killGrace = configuration.killGrace
    let dispatcher = Dispatcher(
        database: database,
        policy: configuration.delivery,
        providers: providers,
        githubAppKey: githubAppKey,
        agent: agentSettings,
        standInURL: { await address.current },
        reportOnAction: { kind, parentId, id, body in
            _ = try await orchestrator.patchAction(on: Orchestrator.ActionParent(kind: kind, id: parentId), id: id, body: body)
        },
        queue: deliveryQueue,
        faults: faults.deliveries,
        now: clock.now,
        metricsFactory: PrometheusMetricsFactory(registry: registry),
        logger: logger
    )
    let localRunner = LocalRunner(
        database: database,
        apiURL: { await address.current },
        apiKey: primaryKey,
        timeout: configuration.localRuns.timeout,
        killGrace: configuration.killGrace,
        logger: logger
    )
    let standIns = StandInContext(
        database: database,
        githubAppId: providers.github.appId,
        githubAppKey: githubAppKey,
        githubToken: providers.github.token,
        gitlabTriggerToken: providers.gitlab.triggerToken,
        gitlabPrivateToken: providers.gitlab.privateToken,
        azureToken: providers.azure.token,
        strict: configuration.strictStandIns,
        localRuns: configuration.localRuns,
        localRunner: localRunner
    )
    let seeder = Seeder(orchestrator: orchestrator, faults: faults)
    let seedPaths = configuration.seedPaths
    /// Applies the `--seed` fixtures: at start, and again when a reset asks to keep them.
    @Sendable func applySeeds() async throws -> Seeder.Report {
        var report = Seeder.Report()
        for path in seedPaths {
            for fixture in try FixtureLoader.load(directory: path) {
                do {
                    try await seeder.seed(fixture.document, report: &report)
                } catch let error as APIError {
                    throw APIError(status: error.status, code: error.code, message: "fixture \(fixture.file): \(error.message)")
                }
            }
        }
        return report
    }
    let report = try await applySeeds()
    if !report.created.isEmpty { logger.info("seeded \(JSONWriter.string(report.json))") }

    let startedAt = Date()
    let keys = KeyDirectory(database: database)
    let initStatus = InitStatus(expectingScripts: configuration.initDirectory != nil)
    var hostNames = configuration.hostNames + [configuration.host]
    if let tls = configuration.tls { hostNames += tls.certificateNames(host: configuration.host) }
    let siteCheck = SiteCheck(hostNames: hostNames)
    let secureAddress = configuration.tls.map { ListeningAddress("https://\(configuration.host):\($0.port)") }
    /// The same routes for each listener; only the scheme the request guard compares origins with differs.
    func makeRouter(scheme: String) -> Router<NPSimRequestContext> {
        let router = Router(context: NPSimRequestContext.self)
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: RequestGuardMiddleware(check: siteCheck, scheme: scheme))
        router.add(middleware: AuthMiddleware(issuer: issuer, keys: keys, enabled: configuration.authEnabled))
        router.add(middleware: APIFaultMiddleware(faults: faults.api, orchestrator: orchestrator))
        let routes = Routes(router: router)
        AuthController(database: database, issuer: issuer, keys: keys).register(on: routes)
        HierarchyController(database: database).register(on: routes)
        ProviderController(database: database).register(on: routes)
        NRNController(database: database).register(on: routes)
        SpecificationController(orchestrator: orchestrator).register(on: routes)
        InstanceController(orchestrator: orchestrator).register(on: routes)
        ChannelController(orchestrator: orchestrator).register(on: routes)
        NotificationController(orchestrator: orchestrator).register(on: routes)
        MetricsController(database: database, registry: registry).register(on: routes)
        standIns.register(on: routes)
        AdminController(
            orchestrator: orchestrator,
            seeder: seeder,
            startedAt: startedAt,
            databasePath: configuration.databasePath,
            initStatus: initStatus,
            secureURL: { await secureAddress?.whenBound() }
        )
        .register(on: routes)
        HarnessController(
            orchestrator: orchestrator,
            initStatus: initStatus,
            applySeeds: applySeeds,
            discardWaitingDeliveries: deliveryQueue.discardWaiting,
            faults: faults,
            clock: clock,
            wakeDispatcher: deliveryQueue.wake
        )
        .register(on: routes)
        DashboardController(orchestrator: orchestrator).register(on: routes)
        OpenAPIController().register(on: routes, version: AdminController.version)
        return router
    }
    let http1 = HTTP1Channel.Configuration(
        additionalChannelHandlers: [RequestDeadlineHandler(deadline: .nanoseconds(configuration.idleTimeout.nanoseconds))],
        idleTimeout: .nanoseconds(configuration.idleTimeout.nanoseconds)
    )
    let connections = MaximumAvailableConnections(configuration.maximumConnections)
    // With --tls, a second listener serves the same routes over HTTPS; it runs as one of the services.
    var secure: (listener: Application<RouterResponder<NPSimRequestContext>>, authorityPath: String?)?
    if let tls = configuration.tls, let bound = secureAddress {
        let (tlsConfiguration, authorityPath) = try tls.serverConfiguration(
            host: configuration.host,
            authorityDirectory: configuration.certificateAuthorityDirectory
        )
        let listener = Application(
            router: makeRouter(scheme: "https"),
            server: try .tls(.http1(configuration: http1), tlsConfiguration: tlsConfiguration),
            configuration: .init(
                address: .hostname(configuration.host, port: tls.port),
                serverName: "npsim",
                availableConnectionsDelegate: connections
            ),
            onServerRunning: { channel in await bound.set("https://\(configuration.host):\(channel.localAddress?.port ?? tls.port)") },
            logger: logger
        )
        secure = (listener, authorityPath)
    }
    let secureListener = secure

    return Application(
        router: makeRouter(scheme: "http"),
        server: .http1(configuration: http1),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "npsim",
            availableConnectionsDelegate: connections
        ),
        services: (configuration.databasePath.map {
            [NamedService("WAL checkpointer", cancelledOnGracefulShutdown: Checkpointer(database: database, path: $0, logger: logger).run)]
        } ?? []) + [NamedService("delivery dispatcher", dispatcher), NamedService("local runner", localRunner)]
            + (configuration.initDirectory.map {
                [
                    NamedService(
                        "init scripts",
                        InitScripts(
                            directory: $0,
                            address: address,
                            apiKey: primaryKey,
                            status: initStatus,
                            killGrace: configuration.killGrace,
                            logger: logger
                        )
                    )
                ]
            } ?? []) + (secureListener.map { [NamedService("https listener", $0.listener)] } ?? []),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            await address.set("http://\(configuration.host):\(port)")
            await onReady(
                ServerBanner(
                    url: "http://\(configuration.host):\(port)",
                    apiKey: primaryKey,
                    authEnabled: configuration.authEnabled,
                    secureURL: await secureAddress?.whenBound(),
                    certificateAuthority: secureListener?.authorityPath
                )
            )
        },
        logger: logger
    )
}
