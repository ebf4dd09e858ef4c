import Foundation
import Hummingbird
import NPSimCore
import NPSimHTTP
import NPSimStore

/// Azure DevOps "Runs - Run Pipeline" at `/_azure`, with its VSS error envelope and, in strict mode, its trap of
/// answering bad credentials with 203 and an HTML sign-in page.
struct AzureStandIn {
    let context: StandInContext

    func register(on routes: Routes) {
        routes.post("/_azure/:organization/:project/_apis/pipelines/:pipeline/runs", "Azure DevOps stand-in: Runs - Run Pipeline") {
            request,
            routeContext in
            let (organization, project, pipeline) = (
                try routeContext.pathParameter("organization"), try routeContext.pathParameter("project"),
                try routeContext.pathParameter("pipeline")
            )
            guard authorized(request) else {
                if context.strict {
                    return Response(
                        status: .init(code: 203),
                        headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(
                            byteBuffer: ByteBuffer(
                                string: "<html><head><title>Azure DevOps Services | Sign In</title></head><body>Sign in</body></html>"
                            )
                        )
                    )
                }
                return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Basic realm=\"https://dev.azure.com/\""])
            }
            guard let version = request.query("api-version") else {
                return Self.error(
                    "No api-version was supplied for the POST request. The version must be supplied either as part of the Accept header (e.g. \"application/json; api-version=1.0\") or as a query parameter (e.g. \"?api-version=1.0\").",
                    type: "VssVersionNotSpecifiedException",
                    status: .badRequest
                )
            }
            let hosted = try await context.channelConfigurations(type: .azure).contains {
                $0["organization"]?.stringValue == organization && $0["project"]?.stringValue == project
                    && ($0["pipeline_id"]?.intValue.map(String.init) ?? $0["pipeline_id"]?.stringValue) == pipeline
            }
            let checkout = context.localRuns.checkout("azure:\(organization)/\(project)/\(pipeline)")
            guard hosted || checkout != nil else {
                return Self.error(
                    "Pipeline with id \(pipeline) was not found in project \(project).",
                    type: "PipelineNotFoundException",
                    status: .notFound
                )
            }
            let body: JSONValue
            do { body = try await request.jsonBody() } catch {
                return Self.error("Value cannot be null.\r\nParameter name: runParameters", type: "ArgumentNullException", status: .badRequest)
            }
            let refName = body["resources"]?["repositories"]?["self"]?["refName"]?.stringValue ?? "refs/heads/main"
            var definition: AzurePipeline?
            if let checkout {
                do throws(AzurePipeline.Rejected) { definition = try AzurePipeline.load(checkout: checkout) } catch {
                    return Self.error(
                        "Could not queue the build because there were validation errors or warnings.",
                        type: "PipelineValidationException",
                        status: .badRequest,
                        validation: error.message
                    )
                }
            }
            let run = try await context.record(
                provider: "azure",
                resource: "\(organization)/\(project)/\(pipeline)",
                ref: refName,
                request: ["api-version": .string(version), "body": body],
                checkout: checkout
            ) { run throws(UnsupportedByLocalRun) in
                guard let definition else { throw UnsupportedByLocalRun(message: "no pipeline file") }
                return try definition.plan(
                    .init(
                        id: run.id,
                        organization: organization,
                        project: project,
                        refName: refName,
                        variables: body["variables"]?.objectValue ?? JSONObject(),
                        templateParameters: body["templateParameters"]?.objectValue ?? JSONObject()
                    )
                )
            }
            let base = "/_azure/\(organization)/\(project)"
            return JSONResponse.make(
                [
                    "_links": [
                        "self": ["href": .string("\(base)/_apis/pipelines/\(pipeline)/runs/\(run.id)")],
                        "web": ["href": .string("\(base)/_build/results?buildId=\(run.id)")],
                        "pipeline.web": ["href": .string("\(base)/_build/definition?definitionId=\(pipeline)")],
                        "pipeline": ["href": .string("\(base)/_apis/pipelines/\(pipeline)")],
                    ],
                    "pipeline": [
                        "url": .string("\(base)/_apis/pipelines/\(pipeline)"), "id": .int(Int(pipeline) ?? 0), "revision": 1,
                        "name": .string("pipeline-\(pipeline)"), "folder": "\\",
                    ],
                    "state": "inProgress", "createdDate": .string(run.createdAt),
                    "url": .string("\(base)/_apis/pipelines/\(pipeline)/runs/\(run.id)"),
                    "resources": ["repositories": ["self": ["repository": ["type": "azureReposGit"], "refName": .string(refName)]]],
                    "variables": body["variables"] ?? [:], "id": .int(run.id), "name": .string("\(run.id)"),
                ],
                status: .ok
            )
        }
    }

    /// Basic auth with any user name and the PAT as password.
    private func authorized(_ request: Request) -> Bool {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) }),
            let colon = decoded.firstIndex(of: ":"), let token = context.azureToken
        else { return false }
        return String(decoded[decoded.index(after: colon)...]) == token
    }

    /// Azure's VSS error envelope; `validation` goes in `customProperties.ValidationResults` as for YAML errors.
    static func error(_ message: String, type: String, status: HTTPResponse.Status, validation: String? = nil) -> Response {
        var envelope: JSONObject = [
            "$id": "1", "innerException": nil, "message": .string(message),
            "typeName": .string("Microsoft.Azure.Pipelines.WebApi.\(type), Microsoft.Azure.Pipelines.WebApi"),
            "typeKey": .string(type), "errorCode": 0, "eventId": 3000,
        ]
        if let validation { envelope["customProperties"] = ["ValidationResults": [["result": "error", "message": .string(validation)]]] }
        return JSONResponse.make(.object(envelope), status: status)
    }
}
