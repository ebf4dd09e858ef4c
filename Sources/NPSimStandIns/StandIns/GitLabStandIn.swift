import Foundation
import HTTPTypes
import Hummingbird
import NPSimCore
import NPSimHTTP
import NPSimStore

/// GitLab's pipeline APIs at `/_gitlab/api/v4`: the trigger API (token in the form, query or JSON) and the
/// create-pipeline API (`PRIVATE-TOKEN`), answering with GitLab's pipeline object and error bodies.
struct GitLabStandIn {
    let context: StandInContext

    func register(on routes: Routes) {
        routes.post("/_gitlab/api/v4/projects/:project/trigger/pipeline", "GitLab stand-in: trigger a pipeline with a trigger token") {
            request,
            routeContext in
            let parameters = try await Self.parameters(request)
            guard let token = parameters["token"], token == context.gitlabTriggerToken else {
                return Self.error("404 Not Found", status: .notFound)
            }
            var variables = JSONObject()
            for (key, value) in parameters where key.hasPrefix("variables[") && key.hasSuffix("]") {
                variables[String(key.dropFirst("variables[".count).dropLast())] = .string(value)
            }
            return try await trigger(
                project: try routeContext.pathParameter("project"),
                ref: parameters["ref"],
                variables: variables,
                source: "trigger"
            )
        }
        routes.post("/_gitlab/api/v4/projects/:project/pipeline", "GitLab stand-in: create a pipeline") { request, routeContext in
            let token = request.headers[HTTPField.Name("PRIVATE-TOKEN")!] ?? StandInContext.bearer(request)
            guard let token, token == context.gitlabPrivateToken else { return Self.error("401 Unauthorized", status: .unauthorized) }
            let body = (try? await request.jsonBody()) ?? [:]
            var variables = JSONObject()
            for variable in body["variables"]?.arrayValue ?? [] {
                if let key = variable["key"]?.stringValue { variables[key] = variable["value"] ?? .null }
            }
            return try await trigger(
                project: try routeContext.pathParameter("project"),
                ref: body["ref"]?.stringValue ?? request.query("ref"),
                variables: variables,
                source: "api"
            )
        }
    }

    private func trigger(project: String, ref: String?, variables: JSONObject, source: String) async throws -> Response {
        let decodedProject = project.removingPercentEncoding ?? project
        let channels = try await context.channelConfigurations(type: .gitlab).filter {
            ($0["project_id"]?.stringValue ?? $0["project_id"]?.intValue.map(String.init)) == decodedProject
        }
        let checkout = context.localRuns.checkout("gitlab:\(decodedProject)")
        guard !channels.isEmpty || checkout != nil else { return Self.error("404 Project Not Found", status: .notFound) }
        guard let ref, !ref.isEmpty else { return JSONResponse.make(["error": "ref is missing"], status: .badRequest) }
        // A mapped checkout has whatever branch is asked for; otherwise the branches are those the channels name.
        let refs = Set(channels.compactMap { $0["reference"]?.stringValue })
        guard refs.contains(ref) || checkout != nil else {
            return JSONResponse.make(["message": ["base": ["Reference not found"]]], status: .badRequest)
        }
        var pipeline: GitLabPipeline?
        if let checkout {
            do { pipeline = try GitLabPipeline.load(checkout: checkout) } catch {
                return JSONResponse.make(["message": ["base": [.string(error.message)]]], status: .badRequest)
            }
        }
        let run = try await context.record(
            provider: "gitlab",
            resource: decodedProject,
            ref: ref,
            request: ["ref": .string(ref), "variables": .object(variables), "source": .string(source)],
            checkout: checkout
        ) { run throws(UnsupportedByLocalRun) in
            guard let pipeline else { throw UnsupportedByLocalRun(message: "no pipeline file") }
            return try pipeline.plan(project: decodedProject, ref: ref, source: source, variables: variables, pipelineId: run.id)
        }
        return JSONResponse.make(
            [
                "id": .int(run.id), "iid": .int(run.id), "project_id": Int(decodedProject).map(JSONValue.int) ?? .string(decodedProject),
                "sha": .string(String(repeating: "0", count: 40)), "ref": .string(ref), "status": "created", "source": .string(source),
                "created_at": .string(run.createdAt), "updated_at": .string(run.createdAt),
                "web_url": .string("/_gitlab/\(decodedProject)/-/pipelines/\(run.id)"), "before_sha": .string(String(repeating: "0", count: 40)),
                "tag": false, "yaml_errors": nil, "user": ["id": 1, "username": "npsim", "name": "npsim", "state": "active"],
                "started_at": nil, "finished_at": nil, "committed_at": nil, "duration": nil, "queued_duration": nil, "coverage": nil,
                "detailed_status": [
                    "icon": "status_created", "text": "created", "label": "created", "group": "created", "tooltip": "created",
                    "has_details": true, "details_path": .string("/\(decodedProject)/-/pipelines/\(run.id)"), "illustration": nil,
                ],
            ],
            status: .created
        )
    }

    /// Trigger parameters from the query string and a form or JSON body, as GitLab's Grape API merges them.
    static func parameters(_ request: Request) async throws -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { result[String(key)] = String(value) }
        let buffer = try await request.collectBody()
        let text = String(buffer: buffer)
        if request.headers[.contentType]?.hasPrefix("application/json") == true, case .object(let object)? = try? JSONParser.parse(text) {
            for (key, value) in object {
                if case .object(let nested) = value {
                    for (inner, item) in nested { result["\(key)[\(inner)]"] = item.stringValue ?? JSONWriter.string(item) }
                } else {
                    result[key] = value.stringValue ?? JSONWriter.string(value)
                }
            }
        } else {
            for (key, value) in FormEncoding.decode(text) { result[key] = value }
        }
        return result
    }

    static func error(_ message: String, status: HTTPResponse.Status) -> Response {
        JSONResponse.make(["message": .string(message)], status: status)
    }
}
