import Crypto
import CryptoExtras
import Foundation

/// The RS256 JSON Web Token a GitHub App signs to ask for an installation token: `iat` 60 s in the past
/// (clock drift), `exp` under 10 minutes ahead, `iss` the app id, as GitHub documents.
public enum GitHubAppJWT {
    public static func make(appId: String, privateKey: _RSA.Signing.PrivateKey, now: Date = Date()) throws -> String {
        let issuedAt = Int(now.timeIntervalSince1970) - 60
        let header = Base64URL.encode(JSONWriter.bytes(["alg": "RS256", "typ": "JWT"]))
        let payload = Base64URL.encode(JSONWriter.bytes(["iat": .int(issuedAt), "exp": .int(issuedAt + 540), "iss": .string(appId)]))
        let signature = try privateKey.signature(for: Array("\(header).\(payload)".utf8), padding: .insecurePKCS1v1_5)
        return "\(header).\(payload).\(Base64URL.encode(signature.rawRepresentation))"
    }

    /// Checks a token as GitHub does and returns its issuer. The messages are GitHub's own.
    public static func verify(_ token: String, publicKey: _RSA.Signing.PublicKey, now: Date = Date()) throws(APIError) -> String {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Base64URL.decode(parts[0]).flatMap({ try? JSONParser.parse($0) }),
            let payload = Base64URL.decode(parts[1]).flatMap({ try? JSONParser.parse($0) }), let signature = Base64URL.decode(parts[2])
        else { throw .unauthorized("A JSON web token could not be decoded") }
        guard header["alg"] == "RS256",
            publicKey.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature),
                for: Array("\(parts[0]).\(parts[1])".utf8),
                padding: .insecurePKCS1v1_5
            )
        else { throw .unauthorized("A JSON web token could not be decoded") }
        guard let issuedAt = payload["iat"]?.intValue, let expiry = payload["exp"]?.intValue else {
            throw .unauthorized("'Issued at' and 'Expiration time' claims are required")
        }
        let nowSeconds = Int(now.timeIntervalSince1970)
        guard expiry > nowSeconds else {
            throw .unauthorized("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires")
        }
        guard expiry - issuedAt <= 600 else { throw .unauthorized("Expiration time' claim ('exp') is too far in the future") }
        guard issuedAt <= nowSeconds + 60 else {
            throw .unauthorized("'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued")
        }
        guard let issuer = payload["iss"]?.stringValue ?? payload["iss"]?.intValue.map(String.init) else {
            throw .unauthorized("'Issuer' claim ('iss') must be an Integer")
        }
        return issuer
    }
}
