import NPSimCore
import NPSimStore

/// The `github` channel: `workflow_dispatch` of the channel's workflow with the envelope as the `context` input,
/// authenticated as a GitHub App installation (or with a personal token).
struct GitHubTarget: DeliveryTarget {
    let exchanger: HTTPExchanger
    let settings: ProviderSettings.GitHub
    let tokens: InstallationTokens
    let appKey: GitHubAppKey
    let standInURL: @Sendable () async -> String

    func attempt(_ delivery: ClaimedDelivery) async -> TargetOutcome {
        let configuration = delivery.channel?["configuration"]?.objectValue ?? JSONObject()
        let base = await PipelineTrigger.baseURL(settings.baseURL, standIn: standInURL, path: "/_github")
        let account = configuration["account"]?.stringValue ?? ""
        let repository = configuration["repository"]?.stringValue ?? ""
        let workflow = configuration["workflow_id"]?.stringValue ?? ""
        let url = "\(base)/repos/\(account)/\(repository)/actions/workflows/\(workflow)/dispatches"
        let body = JSONWriter.bytes([
            "ref": configuration["reference"] ?? "main",
            "inputs": ["context": .string(String(decoding: delivery.body, as: UTF8.self))],
        ])
        var headers = [
            ("Accept", "application/vnd.github+json"), ("X-GitHub-Api-Version", settings.apiVersion),
            ("User-Agent", HTTPExchanger.userAgent), ("Content-Type", "application/json"),
        ]
        let request: (([(String, String)]) -> JSONValue) = { ["method": "POST", "url": .string(url), "headers": PipelineTrigger.masked($0)] }
        if let token = settings.token {
            headers.append(("Authorization", "Bearer \(token)"))
        } else {
            guard let installation = configuration["installation_id"].flatMap({ $0.stringValue ?? $0.intValue.map(String.init) }) else {
                return TargetOutcome(
                    verdict: .permanent(note: "no credentials"),
                    exchange: AttemptExchange(
                        request: request(headers),
                        requestBody: body,
                        error: "the channel has no installation_id and npsim has no GitHub token; set one of them"
                    )
                )
            }
            switch await tokens.token(baseURL: base, installationId: installation, settings: settings, appKey: appKey, exchanger: exchanger) {
            case .success(let token):
                headers.append(("Authorization", "Bearer \(token)"))
            case .failure(let failure):
                return TargetOutcome(
                    verdict: failure.retryable
                        ? .retryable(note: "no installation token yet", retryAfter: nil) : .permanent(note: "no installation token"),
                    exchange: AttemptExchange(request: request(headers), requestBody: body, error: failure.message)
                )
            }
        }
        let result = await exchanger.send(method: .POST, url: url, headers: headers, body: body)
        return PipelineTrigger.outcome(result, request: request(headers), body: body) { response in
            (try? JSONParser.parse(response.body)) ?? ["dispatched": true]
        }
    }
}
