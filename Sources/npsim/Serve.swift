import ArgumentParser
import CryptoExtras
import Foundation
import Hummingbird
import Logging
import NPSimCore
import NPSimDelivery
import NPSimServer

/// `npsim serve`: runs the emulator until Ctrl-C (SIGINT) or SIGTERM, then shuts down cleanly.
///
/// Every option can also come from its `NPSIM_*` variable or from the config file (see ``SettingSources``).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the npsim server."
    )

    @Option(help: "A JSON or YAML file of settings, keyed by flag name [NPSIM_CONFIG].")
    var config: String?

    @Option(help: "Address to listen on [default \(Defaults.server.host)].")
    var host: String?

    @Option(
        name: .customLong("host-name"),
        help: "A name npsim answers to besides its IP addresses and localhost (a compose service name); repeatable."
    )
    var hostNames: [String] = []

    @Option(help: "Port to listen on; 0 picks a free one [default \(Defaults.server.port)].")
    var port: Int?

    @Flag(help: "Also serve the whole API over HTTPS, as \(TLSSettings.platformHost), with a certificate from npsim's local CA.")
    var tls = false

    @Option(help: "HTTPS port with --tls; 0 picks a free one [default \(Defaults.tls.port)].")
    var tlsPort: Int?

    @Option(help: "Another name or address for the HTTPS certificate (and the host check); repeatable.")
    var tlsName: [String] = []

    @Option(help: "A PEM certificate chain to serve with --tls instead of one from npsim's CA (with --tls-key).")
    var tlsCert: String?

    @Option(help: "The PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(help: "SQLite database file [default \(Defaults.server.databasePath ?? "")].")
    var db: String?

    @Flag(help: "Keep everything in memory; nothing survives a restart.")
    var inMemory = false

    @Option(help: "Fixture directory or file (JSON or YAML) to load at start-up; repeatable.")
    var seed: [String] = []

    @Option(name: .customLong("api-key"), help: "An API key POST /token accepts; repeatable.")
    var apiKeys: [String] = []

    @Flag(help: "Serve nullplatform's routes without a bearer token.")
    var noAuth = false

    @Flag(help: "Refuse records at NRNs whose entities npsim was not told about, instead of creating them with placeholder names.")
    var strictNrn = false

    @Option(help: "Pin the --api-key keys to one organization; without it they act for every organization.")
    var organization: String?

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

    @Option(help: "GitHub API base URL, e.g. https://api.github.com [default: npsim's stand-in].")
    var githubUrl: String?

    @Option(help: "GitHub personal access token; used instead of the GitHub App.")
    var githubToken: String?

    @Option(help: "GitHub App id (the JWT's iss) [default 1].")
    var githubAppId: String?

    @Option(help: "PEM file of the GitHub App's private key [default: a key npsim generates for its stand-in].")
    var githubAppKey: String?

    @Option(help: "GitLab API base URL, e.g. https://gitlab.example.com/api/v4 [default: npsim's stand-in].")
    var gitlabUrl: String?

    @Option(help: "GitLab pipeline trigger token (trigger API).")
    var gitlabTriggerToken: String?

    @Option(help: "GitLab personal, project or group token (create-pipeline API), used when there is no trigger token.")
    var gitlabToken: String?

    @Option(help: "Azure DevOps base URL, e.g. https://dev.azure.com [default: npsim's stand-in].")
    var azureUrl: String?

    @Option(help: "Azure DevOps personal access token.")
    var azureToken: String?

    @Flag(help: "Make the stand-ins reproduce the real services' traps too (Azure's 203 sign-in page for a bad token).")
    var strictStandIns = false

    @Option(
        help:
            "A local checkout of a provider resource: github:ACCOUNT/REPOSITORY=DIR, gitlab:PROJECT_ID=DIR or azure:ORGANIZATION/PROJECT/PIPELINE_ID=DIR; repeatable."
    )
    var checkout: [String] = []

    @Option(help: "The act executable that runs GitHub workflows of mapped checkouts [default: act on PATH].")
    var act: String?

    @Option(
        help:
            "Seconds a local workflow or pipeline run may take before it is stopped [default \(Defaults.server.localRuns.timeout.seconds.formatted)]."
    )
    var runTimeout: Double?

    @Option(help: "Megabytes the database file may grow to; beyond it writes fail with a 503, as on a full disk [default: no limit].")
    var maxDbSize: Double?

    @Option(help: "A directory of executable scripts to run once the server listens (with NPSIM_URL and NPSIM_API_KEY set).")
    var initDir: String?

    @Option(help: "A tag of the local agent, key=value; an agent channel's selector must be among them; repeatable.")
    var agentTag: [String] = []

    @Option(help: "Seconds an agent command may run before it is stopped [default \(Defaults.server.agent.timeout.seconds.formatted)].")
    var agentTimeout: Double?

    @Option(
        help:
            "Seconds a stopped child process (agent command, local run, init script) gets between SIGTERM and SIGKILL [default \(Defaults.server.killGrace.seconds.formatted)]."
    )
    var killGrace: Double?

    @Option(help: "Client connections served at once; beyond it new ones wait [default \(Defaults.server.maximumConnections)].")
    var maxConnections: Int?

    @Option(
        help: "Seconds a connection may stay without a whole request before it is closed [default \(Defaults.server.idleTimeout.seconds.formatted)]."
    )
    var idleTimeout: Double?

    @Option(
        name: .customLong("np-cli"),
        help:
            "builtin: the processes npsim starts find npsim's own np first on PATH; system: the np on PATH [default \(Defaults.server.npCommand.rawValue)]."
    )
    var npCLI: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical [default \(Defaults.server.logLevel.rawValue)].")
    var logLevel: String?

    @Option(help: "text or json (one object per line) [default text].")
    var logFormat: String?

    func run() async throws {
        let sources = try SettingSources(configPath: config)
        let configuration = try serverConfiguration(sources)
        let formatName = sources.string(logFormat, "log-format") ?? "text"
        guard let format = LineLogHandler.Format(rawValue: formatName) else {
            throw ValidationError("--log-format must be text or json, got '\(formatName)'")
        }
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, format: format, logLevel: configuration.logLevel) }
        let databaseDescription = configuration.databasePath ?? "in memory"
        let npLink = configuration.npCommand == .builtin ? try NPLink.install(in: configuration.npLinkDirectory) : nil
        let app = try await buildApplication(configuration: configuration, logger: Logger(label: "npsim")) { banner in
            var lines = ["npsim \(NPSim.configuration.version) listening on \(banner.url)", "  database: \(databaseDescription)"]
            if banner.authEnabled {
                lines.append("  API key:  \(banner.apiKey)")
                lines.append(
                    "  token:    curl -s -X POST \(banner.url)/token -H 'Content-Type: application/json' -d '{\"apikey\":\"\(banner.apiKey)\"}'"
                )
            } else {
                lines.append("  auth:     off (--no-auth): no bearer token needed")
            }
            lines.append("  health:   \(banner.url)/_npsim/health")
            if let npLink { lines.append("  np:       \(npLink) (first on the PATH of agent commands and local runs)") }
            if let secure = banner.secureURL {
                let port = secure.split(separator: ":").last.map(String.init) ?? "443"
                lines.append("  https:    \(secure) (certificate for \(TLSSettings.platformHost), localhost, 127.0.0.1)")
                if let authority = banner.certificateAuthority {
                    lines.append("  trust:    \(authority) (NODE_EXTRA_CA_CERTS for np, SSL_CERT_FILE for terraform/tofu; see docs/real-clients.md)")
                }
                lines.append(
                    "  try:      curl --resolve \(TLSSettings.platformHost):\(port):127.0.0.1 https://\(TLSSettings.platformHost):\(port)/_npsim/health"
                        + (banner.certificateAuthority.map { " --cacert \($0)" } ?? "")
                )
            }
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
        try await serverServiceGroup(running: app, logger: Logger(label: "npsim")).run()
    }

    private func serverConfiguration(_ sources: SettingSources) throws -> ServerConfiguration {
        let levelText = sources.string(logLevel, "log-level") ?? Defaults.server.logLevel.rawValue
        guard let level = Logger.Level(rawValue: levelText) else {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), got '\(levelText)'")
        }
        let portValue = try sources.number(port.map(Double.init), "port").map(Int.init(saturating:)) ?? Defaults.server.port
        guard (0...65535).contains(portValue) else { throw ValidationError("--port must be in 0...65535, got \(portValue)") }
        let maximumConnections = try sources.number(maxConnections.map(Double.init), "max-connections").map(Int.init(saturating:))
        if let maximumConnections, maximumConnections < 1 { throw ValidationError("--max-connections must be positive") }
        return ServerConfiguration(
            host: sources.string(host, "host") ?? Defaults.server.host,
            port: portValue,
            databasePath: sources.flag(inMemory, "in-memory") ? nil : (sources.string(db, "db") ?? Defaults.server.databasePath),
            seedPaths: sources.list(seed, "seed"),
            apiKeys: sources.list(apiKeys, "api-key"),
            authEnabled: !sources.flag(noAuth, "no-auth"),
            organizationId: sources.string(organization, "organization"),
            logLevel: level,
            delivery: try deliveryPolicy(sources),
            providers: try providerSettings(sources),
            strictStandIns: sources.flag(strictStandIns, "strict-stand-ins"),
            localRuns: try localRunSettings(sources),
            agent: try agentSettings(sources),
            initDirectory: sources.string(initDir, "init-dir"),
            maximumDatabaseSize: try sources.number(maxDbSize, "max-db-size").map { megabytes in
                guard megabytes > 0 else { throw ValidationError("--max-db-size must be positive") }
                return Int(saturating: megabytes * 1_048_576)
            },
            killGrace: try seconds(killGrace, "kill-grace", in: sources, allowingZero: true) ?? Defaults.server.killGrace,
            hostNames: sources.list(hostNames, "host-name"),
            maximumConnections: maximumConnections ?? Defaults.server.maximumConnections,
            strictNRN: sources.flag(strictNrn, "strict-nrn"),
            tls: try tlsSettings(sources),
            idleTimeout: try seconds(idleTimeout, "idle-timeout", in: sources) ?? Defaults.server.idleTimeout,
            npCommand: try npCommand(sources)
        )
    }

    private func npCommand(_ sources: SettingSources) throws -> ServerConfiguration.NPCommandSource {
        let text = sources.string(npCLI, "np-cli") ?? Defaults.server.npCommand.rawValue
        guard let source = ServerConfiguration.NPCommandSource(rawValue: text) else {
            throw ValidationError("--np-cli must be builtin or system, got '\(text)'")
        }
        return source
    }

    private func tlsSettings(_ sources: SettingSources) throws -> TLSSettings? {
        let certificate = sources.string(tlsCert, "tls-cert")
        let key = sources.string(tlsKey, "tls-key")
        guard sources.flag(tls, "tls") || certificate != nil else { return nil }
        guard (certificate == nil) == (key == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        for path in [certificate, key].compactMap({ $0 }) where !FileManager.default.isReadableFile(atPath: path) {
            throw ValidationError("cannot read \(path)")
        }
        let port = try sources.number(tlsPort.map(Double.init), "tls-port").map(Int.init(saturating:)) ?? Defaults.tls.port
        guard (0...65535).contains(port) else { throw ValidationError("--tls-port must be in 0...65535, got \(port)") }
        return TLSSettings(port: port, names: sources.list(tlsName, "tls-name"), certificatePath: certificate, keyPath: key)
    }

    /// A duration setting given in seconds: positive (or zero when allowed), finite.
    private func seconds(_ flag: Double?, _ name: String, in sources: SettingSources, allowingZero: Bool = false) throws -> Duration? {
        guard let value = try sources.number(flag, name) else { return nil }
        guard value > 0 || (allowingZero && value == 0) else {
            throw ValidationError("--\(name) must be \(allowingZero ? "zero or more" : "positive"), got \(value)")
        }
        return .seconds(clamping: value)
    }

    private func deliveryPolicy(_ sources: SettingSources) throws -> DeliveryPolicy {
        var delivery = DeliveryPolicy()
        delivery.webhookSecret = sources.string(webhookSecret, "webhook-secret")
        if let schedule = sources.string(retrySchedule, "retry-schedule") {
            do { delivery.retrySchedule = try DeliveryPolicy.parseSchedule(schedule) } catch { throw ValidationError("--retry-schedule: \(error)") }
        }
        if let timeout = try seconds(deliveryTimeout, "delivery-timeout", in: sources) { delivery.timeout = timeout }
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

    private func agentSettings(_ sources: SettingSources) throws -> AgentSettings {
        var settings = AgentSettings()
        for tag in sources.list(agentTag, "agent-tag") {
            let parts = tag.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--agent-tag must look like key=value, got '\(tag)'") }
            settings.tags[parts[0]] = parts[1]
        }
        if let timeout = try seconds(agentTimeout, "agent-timeout", in: sources) { settings.timeout = timeout }
        return settings
    }

    private func localRunSettings(_ sources: SettingSources) throws -> LocalRunSettings {
        var settings = LocalRunSettings(act: sources.string(act, "act"))
        if let timeout = try seconds(runTimeout, "run-timeout", in: sources) { settings.timeout = timeout }
        for mapping in sources.list(checkout, "checkout") {
            let parts = mapping.split(separator: "=", maxSplits: 1).map(String.init)
            let kind = parts.first?.split(separator: ":").first.map(String.init) ?? ""
            guard parts.count == 2, ["github", "gitlab", "azure"].contains(kind), parts[0].contains(":") else {
                throw ValidationError(
                    "--checkout must look like github:ACCOUNT/REPOSITORY=DIR, gitlab:PROJECT_ID=DIR or azure:ORG/PROJECT/PIPELINE_ID=DIR, got '\(mapping)'"
                )
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: parts[1], isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--checkout \(parts[0]): '\(parts[1])' is not a directory")
            }
            settings.checkouts[parts[0]] = URL(fileURLWithPath: parts[1]).standardizedFileURL.path
        }
        return settings
    }

    private func providerSettings(_ sources: SettingSources) throws -> ProviderSettings {
        var github = ProviderSettings.GitHub(
            baseURL: sources.string(githubUrl, "github-url"),
            token: sources.string(githubToken, "github-token"),
            appId: sources.string(githubAppId, "github-app-id") ?? "1"
        )
        if let path = sources.string(githubAppKey, "github-app-key") {
            guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("--github-app-key: cannot read \(path)") }
            do { github.privateKey = try _RSA.Signing.PrivateKey(pemRepresentation: pem) } catch {
                throw ValidationError("--github-app-key: \(path) is not a PEM RSA private key (\(error))")
            }
        }
        return ProviderSettings(
            github: github,
            gitlab: .init(
                baseURL: sources.string(gitlabUrl, "gitlab-url"),
                triggerToken: sources.string(gitlabTriggerToken, "gitlab-trigger-token"),
                privateToken: sources.string(gitlabToken, "gitlab-token")
            ),
            azure: .init(baseURL: sources.string(azureUrl, "azure-url"), token: sources.string(azureToken, "azure-token"))
        )
    }
}
