import Crypto
import Foundation

/// Signs webhook deliveries per Standard Webhooks 1.0: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`,
/// over the exact bytes sent.
public struct WebhookSigner: Sendable {
    private let key: SymmetricKey

    /// Accepts `whsec_<base64>` (the spec's format) or any other string, used as raw bytes.
    public init(secret: String) {
        if secret.hasPrefix("whsec_"), let decoded = Data(base64Encoded: String(secret.dropFirst(6))) {
            key = SymmetricKey(data: decoded)
        } else {
            key = SymmetricKey(data: Data(secret.utf8))
        }
    }

    public func signature(id: String, timestamp: Int, body: [UInt8]) -> String {
        var message = Array("\(id).\(timestamp).".utf8)
        message.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: key)
        return "v1,\(Data(mac).base64EncodedString())"
    }
}
