import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NPSimCore
import NPSimStore

/// The `http` channel: POSTs the envelope to the channel's `url` with its `headers`, nullplatform's `np-source`
/// and `np-event` headers, and Standard Webhooks signature headers when a signing secret is configured.
///
/// Success is a 2xx within the timeout. Connection failures, timeouts, 408, 429 and 5xx are worth retrying;
/// any other status (redirects included: they are not followed) fails the delivery at once.
struct HTTPTarget: DeliveryTarget {
    let exchanger: HTTPExchanger
    let serverSecret: String?

    init(exchanger: HTTPExchanger, serverSecret: String?) {
        self.exchanger = exchanger
        self.serverSecret = serverSecret
    }

    func attempt(_ delivery: ClaimedDelivery) async -> TargetOutcome {
        await attempt(delivery, signature: nil)
    }

    /// An attempt whose signature a test's fault spoils (`nil`: signed as it should be); its request record says
    /// how, or that the channel does not sign.
    func attempt(_ delivery: ClaimedDelivery, signature fault: DeliveryFaults.SignatureFault?) async -> TargetOutcome {
        let configuration = delivery.channel?["configuration"]?.objectValue ?? JSONObject()
        let url = configuration["url"]?.stringValue ?? ""
        var headers: [(String, String)] = []
        var masked = JSONObject()
        for (name, value) in configuration["headers"]?.objectValue ?? JSONObject() {
            headers.append((name, value.stringValue ?? ""))
            masked[name] = .string(ChannelType.mask)
        }
        let fixed = [
            ("Content-Type", "application/json"), ("User-Agent", HTTPExchanger.userAgent), ("np-source", delivery.source),
            ("np-event", delivery.event),
        ]
        for (name, value) in fixed {
            headers.append((name, value))
            masked[name] = .string(value)
        }
        let secret = configuration["signing_secret"]?.stringValue ?? serverSecret
        if let secret {
            let id = "msg_\(delivery.notificationId)"
            var timestamp = Int(Date().timeIntervalSince1970)
            if case .stale(let age)? = fault { timestamp -= Int(age.seconds) }
            // A tampered signature is a real HMAC, of other bytes: well-formed, and wrong.
            let signed = fault == .tampered ? delivery.body + Array(" ".utf8) : delivery.body
            let signature = WebhookSigner(secret: secret).signature(id: id, timestamp: timestamp, body: signed)
            for (name, value) in [("webhook-id", id), ("webhook-timestamp", String(timestamp)), ("webhook-signature", signature)] {
                headers.append((name, value))
                masked[name] = .string(value)
            }
        }
        var requestRecord: JSONObject = ["method": "POST", "url": .string(ChannelType.maskedURL(url)), "headers": .object(masked)]
        if let fault {
            requestRecord["fault"] = .string(
                secret == nil
                    ? "injected: \(fault.words) was asked for, but the channel signs nothing (no signing_secret, no --webhook-secret)"
                    : "injected: sent with \(fault.words)"
            )
        }
        guard delivery.channel != nil else {
            return TargetOutcome(
                verdict: .permanent(note: "channel deleted"),
                exchange: AttemptExchange(
                    request: .object(requestRecord),
                    requestBody: delivery.body,
                    error: "channel \(delivery.channelId) was deleted before the notification could be delivered"
                )
            )
        }

        switch await exchanger.send(method: .POST, url: url, headers: headers, body: delivery.body) {
        case .success(let response):
            return TargetOutcome(
                verdict: Self.verdict(status: response.status, retryAfter: response.headers.first(name: "retry-after")),
                exchange: AttemptExchange(
                    request: .object(requestRecord),
                    requestBody: delivery.body,
                    responseStatus: response.status,
                    responseHeaders: response.headersJSON,
                    responseBody: response.body,
                    error: response.status / 100 == 2 ? nil : "the receiver answered \(response.status)"
                )
            )
        case .failure(let failure):
            return TargetOutcome(
                verdict: .retryable(note: "no response: \(failure.description)", retryAfter: nil),
                exchange: AttemptExchange(
                    request: .object(requestRecord),
                    requestBody: delivery.body,
                    error: failure.description
                )
            )
        }
    }

    static func verdict(status: Int, retryAfter: String?) -> TargetOutcome.Verdict {
        switch status {
        case 200..<300: return .delivered
        case 408, 429, 500..<600: return .retryable(note: "status \(status) is retryable", retryAfter: retryAfter.flatMap(parseRetryAfter))
        case 300..<400: return .permanent(note: "status \(status): redirects are not followed; point the channel at the final URL")
        default: return .permanent(note: "status \(status) is not retryable")
        }
    }

    /// `Retry-After` as seconds or an HTTP date. Any value is accepted and none can overflow: infinities, NaN,
    /// exponents and dates far in the future saturate (the policy then clamps them to its schedule), negative
    /// numbers and past dates mean "now", and what is neither a number nor a date is ignored.
    static func parseRetryAfter(_ value: String) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text) { return .seconds(clamping: seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        return .seconds(clamping: date.timeIntervalSinceNow)
    }
}
