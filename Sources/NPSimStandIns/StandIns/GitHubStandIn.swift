import Foundation
import Hummingbird
import NPSimCore
import NPSimHTTP
import NPSimStore

/// GitHub's REST API as far as a `github` channel uses it, at `/_github`: installation tokens for the app and
/// `workflow_dispatch`, answering and refusing as GitHub does.
struct GitHubStandIn {
    let context: StandInContext
    static let documentation = "https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event"
    /// GitHub's limits on dispatch inputs (25 since December 2025).
    static let maximumInputs = 25
    static let maximumInputCharacters = 65_535

    func register(on routes: Routes) {
        routes.post("/_github/app/installations/:installation/access_tokens", "GitHub stand-in: create an installation access token") {
            request,
            routeContext in
            let installation = try routeContext.pathParameter("installation")
            guard let jwt = StandInContext.bearer(request) else {
                return Self.error("A JSON web token could not be decoded", status: .unauthorized)
            }
            let issuer: String
            do {
                issuer = try GitHubAppJWT.verify(jwt, publicKey: try await context.githubAppKey.privateKey().publicKey)
            } catch let error as APIError {
                return Self.error(error.message, status: .unauthorized)
            }
            guard issuer == context.githubAppId else { return Self.error("Integration not found", status: .notFound) }
            let installations = try await context.channelConfigurations(type: .github).compactMap {
                $0["installation_id"].flatMap { $0.stringValue ?? $0.intValue.map(String.init) }
            }
            guard installations.contains(installation) else { return Self.error("Not Found", status: .notFound) }
            let issued = await context.installationTokens.issue()
            return JSONResponse.make(
                [
                    "token": .string(issued.token), "expires_at": .string(issued.expiresAt.formatted(.iso8601)),
                    "permissions": ["actions": "write", "metadata": "read"], "repository_selection": "all",
                ],
                status: .created
            )
        }
        routes.post("/_github/repos/:owner/:repo/actions/workflows/:workflow/dispatches", "GitHub stand-in: create a workflow dispatch event") {
            request,
            routeContext in
            let (owner, repo, workflow) = (
                try routeContext.pathParameter("owner"), try routeContext.pathParameter("repo"),
                try routeContext.pathParameter("workflow")
            )
            guard let token = StandInContext.bearer(request), await isAccepted(token) else {
                return Self.error("Bad credentials", status: .unauthorized, documentation: "https://docs.github.com/rest")
            }
            let checkout = context.localRuns.checkout("github:\(owner)/\(repo)")
            let workflowFile = try checkout.flatMap { try WorkflowFile.load(checkout: $0, workflow: workflow) }
            let hosted = try await context.channelConfigurations(type: .github).contains {
                $0["account"]?.stringValue?.lowercased() == owner.lowercased() && $0["repository"]?.stringValue?.lowercased() == repo.lowercased()
                    && $0["workflow_id"]?.stringValue == workflow
            }
            guard checkout == nil ? hosted : workflowFile != nil else { return Self.error("Not Found", status: .notFound) }
            let body: JSONValue
            do {
                body = try await request.jsonBody()
            } catch {
                return Self.error("Problems parsing JSON", status: .badRequest)
            }
            guard let ref = body["ref"]?.stringValue, !ref.isEmpty else {
                return Self.error("Invalid request.\n\n\"ref\" wasn't supplied.", status: .unprocessableContent)
            }
            let inputs = body["inputs"] ?? [:]
            guard let inputObject = inputs.objectValue,
                inputObject.allSatisfy({ $0.value.stringValue != nil || $0.value.boolValue != nil || $0.value.intValue != nil })
            else {
                return Self.error(
                    "Invalid request.\n\nFor 'properties/inputs', \(JSONWriter.string(inputs)) is not an object of strings.",
                    status: .unprocessableContent
                )
            }
            if inputObject.count > Self.maximumInputs {
                return Self.error(
                    "Invalid request.\n\nFor 'properties/inputs', too many properties: maximum is \(Self.maximumInputs).",
                    status: .unprocessableContent
                )
            }
            if JSONWriter.string(inputs).count > Self.maximumInputCharacters {
                return Self.error(
                    "inputs are too large: the maximum payload for inputs is \(Self.maximumInputCharacters) characters",
                    status: .unprocessableContent
                )
            }
            if let problem = workflowFile?.problem(with: inputObject) { return Self.error(problem, status: .unprocessableContent) }
            let run = try await context.record(
                provider: "github",
                resource: "\(owner)/\(repo)/\(workflow)",
                ref: ref,
                request: ["ref": .string(ref), "inputs": inputs],
                checkout: checkout
            ) { _ throws(UnsupportedByLocalRun) in
                guard let checkout, let workflowFile else { throw UnsupportedByLocalRun(message: "no workflow file") }
                return try ActPlanner(executable: context.localRuns.act).plan(
                    checkout: checkout,
                    workflow: workflowFile,
                    inputs: inputObject,
                    ref: ref,
                    repository: "\(owner)/\(repo)"
                )
            }
            guard body["return_run_details"] == .bool(true) else { return Response(status: .noContent) }
            let base = "/_github/repos/\(owner)/\(repo)/actions/runs/\(run.id)"
            return JSONResponse.make(["workflow_run_id": .int(run.id), "run_url": .string(base), "html_url": .string(base)], status: .ok)
        }
        routes.get("/_github/repos/:owner/:repo/actions/runs", "GitHub stand-in: list workflow runs") { request, routeContext in
            let resource = "\(try routeContext.pathParameter("owner"))/\(try routeContext.pathParameter("repo"))"
            let runs = try await context.database.providerRuns(provider: "github", resource: nil, limit: 1000, offset: 0)
            let mine = runs.runs.filter { $0.resource.lowercased().hasPrefix(resource.lowercased() + "/") }
            return JSONResponse.make(
                [
                    "total_count": .int(mine.count),
                    "workflow_runs": .array(
                        mine.map { run in
                            [
                                "id": .int(run.id), "status": .string(run.status), "event": "workflow_dispatch", "head_branch": .string(run.ref),
                                "path": .string(".github/workflows/\(run.resource.split(separator: "/").last ?? "")"),
                                "created_at": .string(run.createdAt),
                            ]
                        }
                    ),
                ],
                status: .ok
            )
        }
    }

    private func isAccepted(_ token: String) async -> Bool {
        if let configured = context.githubToken, configured == token { return true }
        return await context.installationTokens.isValid(token)
    }

    static func error(_ message: String, status: HTTPResponse.Status, documentation: String = documentation) -> Response {
        JSONResponse.make(
            ["message": .string(message), "documentation_url": .string(documentation), "status": .string(String(status.code))],
            status: status
        )
    }
}
