import Logging
import NPSimDelivery

/// Everything `npsim serve` can be told. The executable fills it from flags and `NPSIM_*` variables;
/// tests build it directly. Every property has a default that works offline with no set-up.
public struct ServerConfiguration: Sendable {
    /// `--host` / `NPSIM_HOST`.
    public var host: String
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
    /// The organization that configured keys belong to.
    public var organizationId: String
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
    /// `--agent-tag`, `--agent-timeout`: how `agent` channels are matched and their commands run.
    public var agent: AgentSettings

    public init(
        host: String = "127.0.0.1",
        port: Int = 4466,
        databasePath: String? = ".npsim/npsim.sqlite",
        seedPaths: [String] = [],
        apiKeys: [String] = [],
        authEnabled: Bool = true,
        organizationId: String = "1",
        logLevel: Logger.Level = .info,
        delivery: DeliveryPolicy = DeliveryPolicy(),
        providers: ProviderSettings = ProviderSettings(),
        strictStandIns: Bool = false,
        localRuns: LocalRunSettings = LocalRunSettings(),
        agent: AgentSettings = AgentSettings(),
        initDirectory: String? = nil,
        maximumDatabaseSize: Int? = nil
    ) {
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
