import Foundation
import NPSimStore
import Testing

@testable import NPSimDelivery

@Suite struct DeliveryPolicyTests {
    @Test func standardWebhooksTestVectorIsReproduced() {
        // The specification's published vector (shared/reference/ci-targets.md, A4).
        let signer = WebhookSigner(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let signature = signer.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func schedulesParseWithUnitsAndRefuseNonsense() throws {
        #expect(
            try DeliveryPolicy.parseSchedule("500ms, 5s,2m,1h,3") == [.milliseconds(500), .seconds(5), .seconds(120), .seconds(3600), .seconds(3)]
        )
        #expect(throws: DeliveryConfigurationError.self) { try DeliveryPolicy.parseSchedule("soon") }
        #expect(throws: DeliveryConfigurationError.self) { try DeliveryPolicy.parseSchedule("-1s") }
    }

    @Test func retriesFollowTheScheduleWithJitterThenStop() throws {
        let policy = DeliveryPolicy(retrySchedule: [.seconds(10), .seconds(60)], jitter: 0.2)
        let now = Date(timeIntervalSince1970: 1000)
        for _ in 0..<50 {
            let first = try #require(policy.nextAttempt(after: 1, now: now)).timeIntervalSince(now)
            #expect((8...12).contains(first))
        }
        #expect(policy.nextAttempt(after: 3, now: now) == nil)
        let throttled = try #require(policy.nextAttempt(after: 1, now: now, retryAfter: .seconds(120))).timeIntervalSince(now)
        #expect(throttled == 120)
    }

    @Test(arguments: [
        (200, "delivered"), (204, "delivered"), (408, "retryable"), (429, "retryable"), (500, "retryable"), (503, "retryable"),
        (301, "permanent"), (400, "permanent"), (404, "permanent"), (410, "permanent"),
    ])
    func statusCodesAreClassifiedAsTheWebhookConventionsSay(status: Int, expected: String) {
        switch HTTPTarget.verdict(status: status, retryAfter: nil) {
        case .delivered: #expect(expected == "delivered")
        case .retryable: #expect(expected == "retryable")
        case .permanent: #expect(expected == "permanent")
        case .postponed: Issue.record("only an injected fault postpones an attempt")
        }
    }

    @Test func retryAfterIsReadAsSecondsOrAnHTTPDate() throws {
        #expect(HTTPTarget.parseRetryAfter("3") == .seconds(3))
        let date = Date().addingTimeInterval(30)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let parsed = try #require(HTTPTarget.parseRetryAfter(formatter.string(from: date)))
        #expect(parsed > .seconds(25) && parsed <= .seconds(31))
        #expect(HTTPTarget.parseRetryAfter("whenever") == nil)
    }
}
