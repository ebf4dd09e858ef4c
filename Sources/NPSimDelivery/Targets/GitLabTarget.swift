import Foundation
import NPSimCore
import NPSimStore

/// The `gitlab` channel: the pipeline trigger API with `variables[CONTEXT]` holding the envelope, so jobs see
/// `$CONTEXT`; or, with a private token and no trigger token, the create-pipeline API with a `variables` array.
struct GitLabTarget: DeliveryTarget {
    let exchanger: HTTPExchanger
    let settings: ProviderSettings.GitLab
    let standInURL: @Sendable () async -> String

    func attempt(_ delivery: ClaimedDelivery) async -> TargetOutcome {
        let configuration = delivery.channel?["configuration"]?.objectValue ?? JSONObject()
        let base = await PipelineTrigger.baseURL(settings.baseURL, standIn: standInURL, path: "/_gitlab/api/v4")
        let project = configuration["project_id"].flatMap { $0.stringValue ?? $0.intValue.map(String.init) } ?? ""
        let encodedProject = project.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? project
        let reference = configuration["reference"]?.stringValue ?? "main"
        let context = String(decoding: delivery.body, as: UTF8.self)
        let url: String
        let body: [UInt8]
        var headers = [("User-Agent", HTTPExchanger.userAgent)]
        if let trigger = settings.triggerToken {
            url = "\(base)/projects/\(encodedProject)/trigger/pipeline"
            body = Array(FormEncoding.encode([("token", trigger), ("ref", reference), ("variables[CONTEXT]", context)]).utf8)
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        } else if let token = settings.privateToken {
            url = "\(base)/projects/\(encodedProject)/pipeline"
            body = JSONWriter.bytes([
                "ref": .string(reference), "variables": [["key": "CONTEXT", "value": .string(context), "variable_type": "env_var"]],
            ])
            headers += [("Content-Type", "application/json"), ("PRIVATE-TOKEN", token)]
        } else {
            return TargetOutcome(
                verdict: .permanent(note: "no credentials"),
                exchange: AttemptExchange(
                    request: ["project_id": .string(project)],
                    requestBody: delivery.body,
                    error: "npsim has no GitLab trigger token (--gitlab-trigger-token) or private token (--gitlab-token)"
                )
            )
        }
        let record: JSONValue = ["method": "POST", "url": .string(url), "headers": PipelineTrigger.masked(headers)]
        let result = await exchanger.send(method: .POST, url: url, headers: headers, body: body)
        var outcome = PipelineTrigger.outcome(result, request: record, body: body) { response in
            let pipeline = try? JSONParser.parse(response.body)
            return ["pipeline_id": pipeline?["id"] ?? .null, "web_url": pipeline?["web_url"] ?? .null]
        }
        if settings.triggerToken != nil { outcome.exchange.requestBody = Array(FormEncoding.masking(token: settings.triggerToken!, in: body)) }
        return outcome
    }
}
