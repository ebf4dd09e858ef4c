import Foundation
import NPSimCore
import NPSimStore

/// The `azure` channel: Azure DevOps "Runs - Run Pipeline" (api-version 7.1) on the channel's reference, with the
/// envelope in the `CONTEXT` variable, authenticated with a personal access token.
struct AzureTarget: DeliveryTarget {
    let exchanger: HTTPExchanger
    let settings: ProviderSettings.Azure
    let standInURL: @Sendable () async -> String

    func attempt(_ delivery: ClaimedDelivery) async -> TargetOutcome {
        let configuration = delivery.channel?["configuration"]?.objectValue ?? JSONObject()
        let base = await PipelineTrigger.baseURL(settings.baseURL, standIn: standInURL, path: "/_azure")
        let organization = configuration["organization"]?.stringValue ?? ""
        let project = configuration["project"]?.stringValue ?? ""
        let pipeline = configuration["pipeline_id"].flatMap { $0.intValue.map(String.init) ?? $0.stringValue } ?? ""
        let reference = configuration["reference"]?.stringValue ?? "main"
        let escape = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? text }
        let url = "\(base)/\(escape(organization))/\(escape(project))/_apis/pipelines/\(pipeline)/runs?api-version=7.1"
        let body = JSONWriter.bytes([
            "resources": ["repositories": ["self": ["refName": .string(reference.hasPrefix("refs/") ? reference : "refs/heads/\(reference)")]]],
            "variables": ["CONTEXT": ["value": .string(String(decoding: delivery.body, as: UTF8.self)), "isSecret": false]],
        ])
        guard let token = settings.token else {
            return TargetOutcome(
                verdict: .permanent(note: "no credentials"),
                exchange: AttemptExchange(
                    request: ["method": "POST", "url": .string(url)],
                    requestBody: body,
                    error: "npsim has no Azure DevOps token (--azure-token)"
                )
            )
        }
        let headers = [
            ("Content-Type", "application/json"), ("Accept", "application/json"), ("User-Agent", HTTPExchanger.userAgent),
            ("Authorization", "Basic \(Data(":\(token)".utf8).base64EncodedString())"),
        ]
        let record: JSONValue = ["method": "POST", "url": .string(url), "headers": PipelineTrigger.masked(headers)]
        let result = await exchanger.send(method: .POST, url: url, headers: headers, body: body)
        if case .success(let response) = result, response.status == 203 {
            return TargetOutcome(
                verdict: .permanent(note: "Azure DevOps answered 203 with a sign-in page: the token is invalid or expired"),
                exchange: AttemptExchange(
                    request: record,
                    requestBody: body,
                    responseStatus: 203,
                    responseHeaders: response.headersJSON,
                    responseBody: response.body,
                    error: "the Azure DevOps token was refused (203 sign-in page)"
                )
            )
        }
        return PipelineTrigger.outcome(result, request: record, body: body) { response in
            let run = try? JSONParser.parse(response.body)
            return ["run_id": run?["id"] ?? .null, "state": run?["state"] ?? .null, "web_url": run?["_links"]?["web"]?["href"] ?? .null]
        }
    }
}
