import Foundation
import Logging
import NPSimCore
import NPSimDelivery
import NPSimStandIns

/// Everything `npsim serve` can be told. The executable fills it from flags and `NPSIM_*` variables;
/// tests build it directly. Every property has a default that works offline with no set-up.
public struct ServerConfiguration: Sendable {
    /// `--host` / `NPSIM_HOST`.
    public var host: String
    /// `--host-name` / `NPSIM_HOST_NAME`: names npsim answers to besides its IP addresses and `localhost` (a
    /// compose service name, a machine's name); a request naming any other host is refused with 421.
    public var hostNames: [String]
    /// `--strict-nrn` / `NPSIM_STRICT_NRN`: refuse a service or link at an NRN whose organization, account,
    /// namespace, application or scope npsim was not told about, instead of creating them with placeholder names.
    public var strictNRN: Bool
    /// `--tls` and its settings: also serve the whole API over HTTPS; `nil` serves plain HTTP only.
    public var tls: TLSSettings?
    /// `--max-connections` / `NPSIM_MAX_CONNECTIONS`: client connections served at once. At the cap npsim stops
    /// accepting (new connections wait in the kernel's queue) and keeps serving the open ones, instead of running
    /// out of file descriptors.
    public var maximumConnections: Int
    /// `--idle-timeout` / `NPSIM_IDLE_TIMEOUT`: how long a connection may sit without a request (or with a request's
    /// head but not its body) before npsim closes it; this is also the time a client has to send a request's head.
    public var idleTimeout: Duration
    /// `--port` / `NPSIM_PORT`; 0 picks a free port (the banner and health endpoint tell which).
    public var port: Int
    /// `--db` / `NPSIM_DB`; `nil` keeps everything in memory (`--in-memory`).
    public var databasePath: String?
    /// `--max-db-size` / `NPSIM_MAX_DB_SIZE` in bytes: the database file never grows beyond it.
    public var maximumDatabaseSize: Int?
    /// `--seed` / `NPSIM_SEED`: fixture directories or files loaded at start-up.
    public var seedPaths: [String]
    /// `--api-key` / `NPSIM_API_KEY`: keys accepted by `POST /token`. When empty and the database has none, one is generated.
    public var apiKeys: [String]
    /// `--no-auth` / `NPSIM_NO_AUTH`: serve nullplatform's routes without a bearer token.
    public var authEnabled: Bool
    /// `--organization` / `NPSIM_ORGANIZATION`: pins the operator's keys (`--api-key`, or the one generated at first
    /// start) to one organization; `nil` lets them act for every organization, their tokens naming organization 1.
    public var organizationId: String?
    public var logLevel: Logger.Level
    /// Timeouts, retry schedule, concurrency, attempt retention and the webhook signing secret.
    public var delivery: DeliveryPolicy
    /// Base URLs and credentials of GitHub, GitLab and Azure DevOps; by default npsim's own stand-ins.
    public var providers: ProviderSettings
    /// `--strict-stand-ins`: the stand-ins also reproduce the real services' traps (Azure's 203 sign-in page).
    public var strictStandIns: Bool
    /// `--checkout KIND:NAME=DIR`, `--act`, `--run-timeout`: provider resources whose runs execute locally.
    public var localRuns: LocalRunSettings
    /// `--init-dir`: executable scripts run once the server listens (their outcome is in `/_npsim/health`).
    public var initDirectory: String?
    /// `--kill-grace` / `NPSIM_KILL_GRACE`: how long a child npsim stops (an agent command, a local run, an init
    /// script) gets between SIGTERM and SIGKILL; npsim's own shutdown waits at most this long for its children.
    public var killGrace: Duration
    /// `--agent-tag`, `--agent-timeout`: how `agent` channels are matched and their commands run.
    public var agent: AgentSettings
    /// Which `np` the processes npsim starts find first on their `PATH`.
    public var npCommand: NPCommandSource
    /// `--clock`: the wall clock, or one tests move ahead (``EmulatedClock``).
    public var clock: EmulatedClock.Mode

    /// `builtin`: npsim's own `np`, which talks to npsim, so a runner never reaches the real platform by accident;
    /// `system`: whatever `np` the `PATH` npsim was started with has.
    public enum NPCommandSource: String, Sendable, CaseIterable {
        case builtin, system
    }

    public init(
        host: String = "127.0.0.1",
        port: Int = 4466,
        databasePath: String? = ".npsim/npsim.sqlite",
        seedPaths: [String] = [],
        apiKeys: [String] = [],
        authEnabled: Bool = true,
        organizationId: String? = nil,
        logLevel: Logger.Level = .info,
        delivery: DeliveryPolicy = DeliveryPolicy(),
        providers: ProviderSettings = ProviderSettings(),
        strictStandIns: Bool = false,
        localRuns: LocalRunSettings = LocalRunSettings(),
        agent: AgentSettings = AgentSettings(),
        initDirectory: String? = nil,
        maximumDatabaseSize: Int? = nil,
        killGrace: Duration = .seconds(10),
        hostNames: [String] = [],
        maximumConnections: Int = 1024,
        strictNRN: Bool = false,
        tls: TLSSettings? = nil,
        idleTimeout: Duration = .seconds(60),
        npCommand: NPCommandSource = .builtin,
        clock: EmulatedClock.Mode = .system
    ) {
        self.npCommand = npCommand
        self.clock = clock
        self.maximumConnections = maximumConnections
        self.strictNRN = strictNRN
        self.tls = tls
        self.idleTimeout = idleTimeout
        self.hostNames = hostNames
        self.killGrace = killGrace
        self.maximumDatabaseSize = maximumDatabaseSize
        self.initDirectory = initDirectory
        self.agent = agent
        self.localRuns = localRuns
        self.providers = providers
        self.strictStandIns = strictStandIns
        self.delivery = delivery
        self.host = host
        self.port = port
        self.databasePath = databasePath
        self.seedPaths = seedPaths
        self.apiKeys = apiKeys
        self.authEnabled = authEnabled
        self.organizationId = organizationId
        self.logLevel = logLevel
    }
}

extension ServerConfiguration {
    /// Where npsim keeps its certificate authority: a `tls` folder beside the database (`.npsim/tls` for the
    /// default database and for `--in-memory`), so that a client told once to trust it keeps trusting it.
    public var certificateAuthorityDirectory: String {
        let folder = databasePath.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? ".npsim"
        return "\(folder)/tls"
    }

    /// Where npsim links itself as `np` for its children: a `bin` folder beside the database (`.npsim/bin` in memory).
    public var npLinkDirectory: String {
        let folder = databasePath.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? ".npsim"
        return URL(fileURLWithPath: "\(folder)/bin").standardizedFileURL.path
    }
}
