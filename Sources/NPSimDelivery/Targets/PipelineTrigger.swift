import NPSimCore
import NPSimStore

/// Classifies the answer to a call that starts a CI run (a GitHub dispatch, a GitLab pipeline, an Azure run).
///
/// Such calls are not idempotent: each accepted POST starts a run. So a failure is retried only when the
/// request provably never reached the service (the connection was never made, or a gateway answered
/// 502/503/504 without a body); a timeout after sending is not retried, and the attempt record says why.
enum PipelineTrigger {
    static func outcome(
        _ result: Result<HTTPExchanger.Response, HTTPExchanger.Failure>,
        request: JSONValue,
        body: [UInt8],
        runDetails: (HTTPExchanger.Response) -> JSONValue?
    ) -> TargetOutcome {
        switch result {
        case .success(let response):
            var exchange = AttemptExchange(
                request: request,
                requestBody: body,
                responseStatus: response.status,
                responseHeaders: response.headersJSON,
                responseBody: response.body
            )
            switch response.status {
            case 200..<300:
                exchange.result = runDetails(response)
                return TargetOutcome(verdict: .delivered, exchange: exchange)
            case let status where [502, 503, 504].contains(status) && response.body.isEmpty:
                exchange.error = "the service answered \(response.status)"
                return TargetOutcome(
                    verdict: .retryable(
                        note: "status \(response.status) from a gateway, before any body: the run was not started",
                        retryAfter: nil
                    ),
                    exchange: exchange
                )
            default:
                exchange.error = "the service answered \(response.status): \(String(decoding: response.body.prefix(500), as: UTF8.self))"
                return TargetOutcome(
                    verdict: .permanent(note: "status \(response.status) is not retried for a call that starts a run"),
                    exchange: exchange
                )
            }
        case .failure(let failure):
            let exchange = AttemptExchange(request: request, requestBody: body, error: failure.description)
            if failure.mayHaveArrived {
                return TargetOutcome(
                    verdict: .permanent(note: "the request may have started a run, so it is not retried (\(failure.description))"),
                    exchange: exchange
                )
            }
            return TargetOutcome(verdict: .retryable(note: "the connection was never made, so no run started", retryAfter: nil), exchange: exchange)
        }
    }

    /// Headers as an attempt shows them: credentials masked.
    static func masked(_ headers: [(String, String)]) -> JSONValue {
        let secret: Set<String> = ["authorization", "private-token", "job-token"]
        return .object(JSONObject(headers.map { ($0.0, .string(secret.contains($0.0.lowercased()) ? ChannelType.mask : $0.1)) }))
    }

    /// The configured base URL without its trailing slash, or the stand-in's under npsim's own URL.
    static func baseURL(_ configured: String?, standIn: @Sendable () async -> String, path: String) async -> String {
        guard let configured else { return await standIn() + path }
        return configured.hasSuffix("/") ? String(configured.dropLast()) : configured
    }
}
