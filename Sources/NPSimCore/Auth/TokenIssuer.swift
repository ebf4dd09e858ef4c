import Crypto
import Foundation
import Synchronization

/// Mints and checks the bearer tokens that `POST /token` hands out.
///
/// Tokens are HS256 JWTs whose `cognito:groups` claim holds `@nullplatform/organization=<id>`, because
/// nullplatform's clients (the Terraform provider among them) read the organization from that claim.
/// The key is kept in the database, so tokens stay valid across restarts.
public struct TokenIssuer: Sendable {
    public enum Use: String, Sendable { case access, refresh }

    public struct Claims: Sendable, Equatable {
        public let apiKeyId: Int
        public let organizationId: String
        public let use: Use
        public let expiresAt: Date
    }

    private let key: SymmetricKey
    private let verified = VerifiedTokens(capacity: 1024)
    public let accessLifetime: TimeInterval
    public let refreshLifetime: TimeInterval

    public init(secret: [UInt8], accessLifetime: TimeInterval = 3600, refreshLifetime: TimeInterval = 30 * 86400) {
        self.key = SymmetricKey(data: secret)
        self.accessLifetime = accessLifetime
        self.refreshLifetime = refreshLifetime
    }

    public func issue(apiKeyId: Int, organizationId: String, use: Use, now: Date = Date()) -> (token: String, expiresAt: Date) {
        let expiresAt = now.addingTimeInterval(use == .access ? accessLifetime : refreshLifetime)
        let payload: JSONValue = [
            "sub": .string("api_key:\(apiKeyId)"),
            "cognito:groups": [.string("@nullplatform/organization=\(organizationId)")],
            "token_use": .string(use.rawValue),
            "iss": "npsim",
            "iat": .int(Int(now.timeIntervalSince1970)),
            "exp": .int(Int(expiresAt.timeIntervalSince1970)),
        ]
        let header = Base64URL.encode(JSONWriter.bytes(["alg": "HS256", "typ": "JWT"]))
        let body = Base64URL.encode(JSONWriter.bytes(payload))
        let signature = HMAC<SHA256>.authenticationCode(for: Array("\(header).\(body)".utf8), using: key)
        return ("\(header).\(body).\(Base64URL.encode(Array(signature)))", expiresAt)
    }

    /// Verifies signature, expiry and use; the message says which check failed. A token whose signature and claims
    /// were checked before is only checked for use and expiry again: every request of a client carries the same
    /// token, and decoding it, computing its HMAC and parsing its claims took a tenth of an action's request.
    public func verify(_ token: String, as use: Use, now: Date = Date()) throws(APIError) -> Claims {
        if let claims = verified.claims(of: token), claims.use == use, claims.expiresAt > now { return claims }
        let claims = try verifyAnew(token, as: use, now: now)
        verified.remember(claims, of: token)
        return claims
    }

    private func verifyAnew(_ token: String, as use: Use, now: Date) throws(APIError) -> Claims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let signature = Base64URL.decode(parts[2]) else {
            throw .unauthorized("the bearer token is not a JWT issued by npsim; get one with POST /token")
        }
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Array("\(parts[0]).\(parts[1])".utf8), using: key) else {
            throw .unauthorized("the bearer token's signature is invalid (was it issued by another npsim database?); get a new one with POST /token")
        }
        guard let payloadBytes = Base64URL.decode(parts[1]), let payload = try? JSONParser.parse(payloadBytes),
            let exp = payload["exp"]?.intValue, let sub = payload["sub"]?.stringValue,
            let keyId = Int(sub.replacingOccurrences(of: "api_key:", with: "")),
            let group = payload["cognito:groups"]?.arrayValue?.first?.stringValue
        else {
            throw .unauthorized("the bearer token's claims are unreadable; get a new one with POST /token")
        }
        guard payload["token_use"]?.stringValue == use.rawValue else {
            throw .unauthorized("a \(payload["token_use"]?.stringValue ?? "unknown") token was given where a \(use.rawValue) token is needed")
        }
        let expiresAt = Date(timeIntervalSince1970: TimeInterval(exp))
        guard expiresAt > now else {
            throw .unauthorized("the bearer token expired at \(ISO8601.string(from: expiresAt)); get a new one with POST /token")
        }
        let organizationId = group.replacingOccurrences(of: "@nullplatform/organization=", with: "")
        return Claims(apiKeyId: keyId, organizationId: organizationId, use: use, expiresAt: expiresAt)
    }
}

/// Claims of tokens whose signature was verified, bounded: forgetting all of them when full costs one verification
/// per client.
private final class VerifiedTokens: Sendable {
    private let capacity: Int
    private let claims = Mutex<[String: TokenIssuer.Claims]>([:])

    init(capacity: Int) {
        self.capacity = capacity
    }

    func claims(of token: String) -> TokenIssuer.Claims? {
        claims.withLock { $0[token] }
    }

    func remember(_ verified: TokenIssuer.Claims, of token: String) {
        claims.withLock { claims in
            if claims.count >= capacity { claims.removeAll(keepingCapacity: true) }
            claims[token] = verified
        }
    }
}
