import Crypto
import Foundation
import SwiftASN1
import X509

/// The certificate authority npsim creates once, in a directory beside its database, and the server certificates it
/// issues for the names nullplatform's clients connect to (`api.nullplatform.com` among them).
///
/// The CA is kept (`ca.pem`, `ca-key.pem`) so that a client told once to trust it keeps trusting every npsim that
/// uses the same directory, across restarts; a server certificate is issued anew at every start for the names asked
/// for then. Keys are P-256, which every client npsim serves (Go, Node's OpenSSL, Python, curl) accepts.
public struct LocalCertificateAuthority: Sendable {
    public static let certificateFile = "ca.pem"
    static let keyFile = "ca-key.pem"

    /// The CA certificate's path: what a client is told to trust.
    public let certificatePath: String
    let certificate: Certificate
    let key: Certificate.PrivateKey

    /// A certificate and its key, PEM-encoded, as a TLS server loads them.
    public struct Issued: Sendable {
        public let certificateChainPEM: String
        public let privateKeyPEM: String
    }

    /// An error of the CA's files: what is wrong and with which file.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Loads the CA kept in `directory`, or creates it (and the directory) the first time.
    public static func loadOrCreate(in directory: String, now: Date = Date()) throws -> LocalCertificateAuthority {
        let certificatePath = "\(directory)/\(certificateFile)"
        let keyPath = "\(directory)/\(keyFile)"
        let manager = FileManager.default
        if manager.fileExists(atPath: certificatePath), manager.fileExists(atPath: keyPath) {
            do {
                let certificate = try Certificate(pemEncoded: String(contentsOfFile: certificatePath, encoding: .utf8))
                let key = try Certificate.PrivateKey(pemEncoded: String(contentsOfFile: keyPath, encoding: .utf8))
                return LocalCertificateAuthority(certificatePath: certificatePath, certificate: certificate, key: key)
            } catch {
                throw Failure(
                    description: "cannot read npsim's CA in \(directory) (\(error)); remove \(certificatePath) and \(keyPath) to create a new one"
                )
            }
        }
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let name = try DistinguishedName {
            OrganizationName("npsim")
            CommonName("npsim local CA (\(ProcessInfo.processInfo.hostName))")
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: key.publicKey)
            },
            issuerPrivateKey: key
        )
        // The key first, readable by its owner only; the certificate last, so a half-written pair is never loaded.
        try write(try key.serializeAsPEM().pemString, to: keyPath, permissions: 0o600)
        try write(try certificate.serializeAsPEM().pemString, to: certificatePath, permissions: 0o644)
        return LocalCertificateAuthority(certificatePath: certificatePath, certificate: certificate, key: key)
    }

    /// A server certificate for these DNS names and IP addresses, valid for a year, with the CA after it in the chain.
    public func issue(names: [String], now: Date = Date()) throws -> Issued {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        var alternativeNames: [GeneralName] = []
        for name in Set(names).sorted() {
            if let address = Self.ipAddressBytes(name) {
                alternativeNames.append(.ipAddress(ASN1OctetString(contentBytes: address[...])))
            } else {
                alternativeNames.append(.dnsName(name))
            }
        }
        let subject = try DistinguishedName {
            OrganizationName("npsim")
            CommonName(names.first ?? "localhost")
        }
        let issuerKeyIdentifier = try certificate.extensions.subjectKeyIdentifier?.keyIdentifier
        let leaf = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(365 * 86_400),
            issuer: certificate.subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(alternativeNames)
                AuthorityKeyIdentifier(keyIdentifier: issuerKeyIdentifier)
            },
            issuerPrivateKey: self.key
        )
        return Issued(
            certificateChainPEM: try leaf.serializeAsPEM().pemString + "\n" + certificate.serializeAsPEM().pemString,
            privateKeyPEM: try key.serializeAsPEM().pemString
        )
    }

    /// The bytes of an IPv4 or IPv6 address written as text; `nil` for a name.
    static func ipAddressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    private static func write(_ text: String, to path: String, permissions: Int) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: permissions]) else {
            throw Failure(description: "cannot write \(path)")
        }
    }
}
