import ArgumentParser
import Foundation
import NPSimCore
import NPSimDelivery
import NPSimServer

/// `serve`'s HTTPS options: the second listener that serves the API as `api.nullplatform.com`.
struct TLSOptions: ParsableArguments {
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

    func settings(_ sources: SettingSources) throws -> TLSSettings? {
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
}
