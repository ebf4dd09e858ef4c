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

    @OptionGroup(title: "Server")
    var server: ServerOptions

    @OptionGroup(title: "HTTPS")
    var tls: TLSOptions

    @OptionGroup(title: "Delivery")
    var delivery: DeliveryOptions

    @OptionGroup(title: "GitHub, GitLab and Azure DevOps")
    var providers: ProviderOptions

    @OptionGroup(title: "Local runs and agent channels")
    var runs: LocalRunOptions

    func run() async throws {
        let sources = try SettingSources(configPath: config)
        let configuration = try server.configuration(sources, tls: tls, delivery: delivery, providers: providers, runs: runs)
        let formatName = sources.string(server.logFormat, "log-format") ?? "text"
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
}
