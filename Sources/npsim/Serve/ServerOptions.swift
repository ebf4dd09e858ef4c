import ArgumentParser
import Foundation
import Logging
import NPSimCore
import NPSimDelivery
import NPSimServer

/// `serve`'s own options: where it listens, its database and fixtures, who may call it, its limits, the children it
/// starts, and its logs.
struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on [default \(Defaults.server.host)].")
    var host: String?

    @Option(
        name: .customLong("host-name"),
        help: "A name npsim answers to besides its IP addresses and localhost (a compose service name); repeatable."
    )
    var hostNames: [String] = []

    @Option(help: "Port to listen on; 0 picks a free one [default \(Defaults.server.port)].")
    var port: Int?

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

    @Option(help: "Client connections served at once; beyond it new ones wait [default \(Defaults.server.maximumConnections)].")
    var maxConnections: Int?

    @Option(
        help: "Seconds a connection may stay without a whole request before it is closed [default \(Defaults.server.idleTimeout.seconds.formatted)]."
    )
    var idleTimeout: Double?

    @Option(help: "Megabytes the database file may grow to; beyond it writes fail with a 503, as on a full disk [default: no limit].")
    var maxDbSize: Double?

    @Option(help: "A directory of executable scripts to run once the server listens (with NPSIM_URL and NPSIM_API_KEY set).")
    var initDir: String?

    @Option(
        help:
            "Seconds a stopped child process (agent command, local run, init script) gets between SIGTERM and SIGKILL [default \(Defaults.server.killGrace.seconds.formatted)]."
    )
    var killGrace: Double?

    @Option(
        name: .customLong("np-cli"),
        help:
            "builtin: the processes npsim starts find npsim's own np first on PATH; system: the np on PATH [default \(Defaults.server.npCommand.rawValue)]."
    )
    var npCLI: String?

    @Option(
        help:
            "system: the wall clock; manual: tests move it ahead with POST /_npsim/clock/advance, and due retries fire at once [default \(Defaults.server.clock.rawValue)]."
    )
    var clock: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical [default \(Defaults.server.logLevel.rawValue)].")
    var logLevel: String?

    @Option(help: "text or json (one object per line) [default text].")
    var logFormat: String?

    /// The server's configuration: these options, and each group's part.
    func configuration(
        _ sources: SettingSources,
        tls: TLSOptions,
        delivery: DeliveryOptions,
        providers: ProviderOptions,
        runs: LocalRunOptions
    ) throws -> ServerConfiguration {
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
            delivery: try delivery.policy(sources),
            providers: try providers.settings(sources),
            strictStandIns: sources.flag(providers.strictStandIns, "strict-stand-ins"),
            localRuns: try runs.localRuns(sources),
            agent: try runs.agent(sources),
            initDirectory: sources.string(initDir, "init-dir"),
            maximumDatabaseSize: try sources.number(maxDbSize, "max-db-size").map { megabytes in
                guard megabytes > 0 else { throw ValidationError("--max-db-size must be positive") }
                return Int(saturating: megabytes * 1_048_576)
            },
            killGrace: try sources.seconds(killGrace, "kill-grace", allowingZero: true) ?? Defaults.server.killGrace,
            hostNames: sources.list(hostNames, "host-name"),
            maximumConnections: maximumConnections ?? Defaults.server.maximumConnections,
            strictNRN: sources.flag(strictNrn, "strict-nrn"),
            tls: try tls.settings(sources),
            idleTimeout: try sources.seconds(idleTimeout, "idle-timeout") ?? Defaults.server.idleTimeout,
            npCommand: try npCommand(sources),
            clock: try clockMode(sources)
        )
    }

    private func clockMode(_ sources: SettingSources) throws -> EmulatedClock.Mode {
        let text = sources.string(clock, "clock") ?? Defaults.server.clock.rawValue
        guard let mode = EmulatedClock.Mode(rawValue: text) else { throw ValidationError("--clock must be system or manual, got '\(text)'") }
        return mode
    }

    private func npCommand(_ sources: SettingSources) throws -> ServerConfiguration.NPCommandSource {
        let text = sources.string(npCLI, "np-cli") ?? Defaults.server.npCommand.rawValue
        guard let source = ServerConfiguration.NPCommandSource(rawValue: text) else {
            throw ValidationError("--np-cli must be builtin or system, got '\(text)'")
        }
        return source
    }
}
