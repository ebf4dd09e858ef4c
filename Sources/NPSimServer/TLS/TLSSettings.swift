import Foundation
import NIOSSL

/// `--tls`: npsim also serves its whole API over HTTPS, as `api.nullplatform.com`, so nullplatform's own clients (the
/// Terraform provider, the `np` CLI), which speak only HTTPS to that host, reach it unchanged. See
/// `docs/real-clients.md`.
public struct TLSSettings: Sendable {
    /// The host nullplatform's clients connect to; always among the certificate's names.
    public static let platformHost = "api.nullplatform.com"

    /// `--tls-port` / `NPSIM_TLS_PORT`; 0 picks a free one.
    public var port: Int
    /// `--tls-name` / `NPSIM_TLS_NAME`: more names (or addresses) for the certificate and for the host check.
    public var names: [String]
    /// `--tls-cert` / `--tls-key`: a certificate chain and key of the user's, instead of one npsim's CA issues.
    public var certificatePath: String?
    public var keyPath: String?

    public init(port: Int = 4443, names: [String] = [], certificatePath: String? = nil, keyPath: String? = nil) {
        self.port = port
        self.names = names
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }

    /// The names a request over TLS may use, and npsim's certificate holds.
    func certificateNames(host: String) -> [String] {
        var names = [Self.platformHost, "localhost", "127.0.0.1", "::1"] + self.names
        if host != "0.0.0.0", host != "::", !names.contains(host) { names.append(host) }
        return names
    }

    /// The server's TLS configuration: the user's certificate, or one the local CA in `authorityDirectory` issues
    /// (creating the CA the first time). Returns the CA certificate's path when npsim's CA is used.
    func serverConfiguration(host: String, authorityDirectory: String) throws -> (TLSConfiguration, authorityPath: String?) {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        var authorityPath: String?
        if let certificatePath, let keyPath {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } else {
            let authority = try LocalCertificateAuthority.loadOrCreate(in: authorityDirectory)
            let issued = try authority.issue(names: certificateNames(host: host))
            chain = try NIOSSLCertificate.fromPEMBytes(Array(issued.certificateChainPEM.utf8))
            key = try NIOSSLPrivateKey(bytes: Array(issued.privateKeyPEM.utf8), format: .pem)
            authorityPath = authority.certificatePath
        }
        return (
            TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key)), authorityPath
        )
    }
}
