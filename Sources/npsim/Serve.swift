import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NPSimDelivery
import NPSimServer

/// `npsim serve`: runs the emulator until Ctrl-C (SIGINT) or SIGTERM, then shuts down cleanly.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the npsim server.")

    @Option(help: "Address to listen on [NPSIM_HOST, default 127.0.0.1].")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one [NPSIM_PORT, default 4466].")
    var port: Int?

    @Option(help: "SQLite database file [NPSIM_DB, default .npsim/npsim.sqlite].")
    var db: String?

    @Flag(help: "Keep everything in memory; nothing survives a restart [NPSIM_IN_MEMORY].")
    var inMemory = false

    @Option(help: "Fixture directory or file (JSON or YAML) to load at start-up; repeatable [NPSIM_SEED, comma-separated].")
    var seed: [String] = []

    @Option(name: .customLong("api-key"), help: "An API key POST /token accepts; repeatable [NPSIM_API_KEY, comma-separated].")
    var apiKeys: [String] = []

    @Flag(help: "Serve nullplatform's routes without a bearer token [NPSIM_NO_AUTH].")
    var noAuth = false

    @Option(help: "Standard Webhooks secret (whsec_...) to sign http deliveries with; a channel's configuration.signing_secret overrides it [NPSIM_WEBHOOK_SECRET].")
    var webhookSecret: String?

    @Option(help: "Delays before each retry, e.g. 1s,5s,30s,2m,10m; its length is the number of retries [NPSIM_RETRY_SCHEDULE].")
    var retrySchedule: String?

    @Option(help: "Seconds one delivery attempt may take [NPSIM_DELIVERY_TIMEOUT, default 10].")
    var deliveryTimeout: Double?

    @Option(help: "Delivery attempts kept in the database; older ones are dropped [NPSIM_ATTEMPT_RETENTION, default 100000].")
    var attemptRetention: Int?

    @Option(help: "Deliveries in flight at once [NPSIM_MAX_DELIVERIES, default 64].")
    var maxDeliveries: Int?

    @Option(help: "Deliveries in flight at once to one channel [NPSIM_MAX_DELIVERIES_PER_CHANNEL, default 8].")
    var maxDeliveriesPerChannel: Int?

    @Option(help: "trace, debug, info, notice, warning, error or critical [NPSIM_LOG_LEVEL, default info].")
    var logLevel: String?

    func run() async throws {
        let levelText = logLevel ?? Environment.string("NPSIM_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelText) else {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), got '\(levelText)'")
        }
        let portValue = try port ?? Environment.string("NPSIM_PORT").map {
            guard let value = Int($0) else { throw ValidationError("NPSIM_PORT must be a number, got '\($0)'") }
            return value
        } ?? 4466
        guard (0...65535).contains(portValue) else { throw ValidationError("--port must be in 0...65535, got \(portValue)") }
        var delivery = DeliveryPolicy()
        delivery.webhookSecret = webhookSecret ?? Environment.string("NPSIM_WEBHOOK_SECRET")
        if let schedule = retrySchedule ?? Environment.string("NPSIM_RETRY_SCHEDULE") {
            do { delivery.retrySchedule = try DeliveryPolicy.parseSchedule(schedule) } catch { throw ValidationError("--retry-schedule: \(error)") }
        }
        if let seconds = try deliveryTimeout ?? Environment.number("NPSIM_DELIVERY_TIMEOUT") {
            guard seconds > 0 else { throw ValidationError("--delivery-timeout must be positive") }
            delivery.timeout = .milliseconds(Int64(seconds * 1000))
        }
        for (value, variable, keyPath) in [(attemptRetention, "NPSIM_ATTEMPT_RETENTION", \DeliveryPolicy.attemptRetention),
                                           (maxDeliveries, "NPSIM_MAX_DELIVERIES", \.globalConcurrency),
                                           (maxDeliveriesPerChannel, "NPSIM_MAX_DELIVERIES_PER_CHANNEL", \.perChannelConcurrency)] {
            guard let number = try value ?? Environment.number(variable).map(Int.init) else { continue }
            guard number > 0 else { throw ValidationError("\(variable) and its flag must be positive, got \(number)") }
            delivery[keyPath: keyPath] = number
        }
        let memory = inMemory || Environment.flag("NPSIM_IN_MEMORY")
        let configuration = ServerConfiguration(
            host: host ?? Environment.string("NPSIM_HOST") ?? "127.0.0.1",
            port: portValue,
            databasePath: memory ? nil : (db ?? Environment.string("NPSIM_DB") ?? ".npsim/npsim.sqlite"),
            seedPaths: seed.isEmpty ? Environment.list("NPSIM_SEED") : seed,
            apiKeys: apiKeys.isEmpty ? Environment.list("NPSIM_API_KEY") : apiKeys,
            authEnabled: !(noAuth || Environment.flag("NPSIM_NO_AUTH")),
            logLevel: level,
            delivery: delivery
        )
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let databaseDescription = configuration.databasePath ?? "in memory"
        let app = try await buildApplication(configuration: configuration, logger: Logger(label: "npsim")) { banner in
            var lines = [
                "npsim \(NPSim.configuration.version) listening on \(banner.url)",
                "  database: \(databaseDescription)",
            ]
            if banner.authEnabled {
                lines.append("  API key:  \(banner.apiKey)")
                lines.append("  token:    curl -s -X POST \(banner.url)/token -H 'Content-Type: application/json' -d '{\"apikey\":\"\(banner.apiKey)\"}'")
            } else {
                lines.append("  auth:     off (--no-auth): no bearer token needed")
            }
            lines.append("  health:   \(banner.url)/_npsim/health")
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
        try await app.runService()
    }
}
