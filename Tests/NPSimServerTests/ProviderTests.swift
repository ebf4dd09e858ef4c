import CryptoExtras
import Foundation
import NIOCore
import NPSimCore
import NPSimDelivery
import NPSimStandIns
import Testing

@Suite struct ProviderTests {
    static let providers = ProviderSettings(
        github: .init(appId: "4242", privateKey: Fixtures.githubAppKey),
        gitlab: .init(triggerToken: "glptt-test-trigger", privateToken: "glpat-test-private"),
        azure: .init(token: "azure-test-pat")
    )

    static let github: JSONValue = [
        "nrn": "organization=1", "type": "github",
        "configuration": [
            "installation_id": "42", "account": "acme", "repository": "services-terraform", "reference": "main", "workflow_id": "provisioning.yml",
        ],
    ]
    static let gitlab: JSONValue = ["nrn": "organization=1", "type": "gitlab", "configuration": ["project_id": "7", "reference": "main"]]
    static let azure: JSONValue = [
        "nrn": "organization=1", "type": "azure",
        "configuration": ["organization": "my-org", "project": "my-devops-project", "pipeline_id": 1, "reference": "main"],
    ]

    /// Runs `count` Get Credentials actions and returns their ids.
    static func runActions(_ api: APIClient, count: Int) async throws -> [String] {
        let service = try await api.activeMySQL()
        var ids: [String] = []
        for _ in 0..<count { ids.append(try await api.runAction(on: service, spec: Fixtures.getCredentials)) }
        return ids
    }

    static func runs(_ api: APIClient, _ provider: String) async throws -> [JSONValue] {
        try await api.expect(200, .get, "/_npsim/providers/runs?provider=\(provider)&limit=1000")["results"]?.arrayValue ?? []
    }

    @Test func githubDispatchGoesThroughTheAppFlowWithTheEnvelopeAsContext() async throws {
        try await withServer(providers: Self.providers) { api in
            try await api.expect(200, .post, "/notification/channel", Self.github)
            let actions = try await Self.runActions(api, count: 2)
            try await eventually("all dispatches reached the stand-in") { try await Self.runs(api, "github").count == 3 }
            let runs = try await Self.runs(api, "github")
            #expect(runs.allSatisfy { $0["resource"] == "acme/services-terraform/provisioning.yml" && $0["ref"] == "main" })
            let contexts = try runs.map { try JSONParser.parse(try #require($0["request"]?["inputs"]?["context"]?.stringValue)) }
            let dispatched = Set(contexts.compactMap { $0["notification"]?["id"]?.stringValue })
            #expect(Set(actions).isSubset(of: dispatched))
            #expect(contexts.allSatisfy { $0["source"] == "service" && $0["notification"]?["service"]?["specification"]?["slug"] == "mysql" })

            let delivery = try #require(try await api.expect(200, .get, "/_npsim/deliveries?status=delivered&limit=1")["results"]?.arrayValue?.first)
            let detail = try await api.expect(200, .get, "/_npsim/deliveries/\(delivery["id"]!.intValue!)")
            let headers = try #require(detail["attempt_log"]?.arrayValue?.first?["request"]?["headers"])
            #expect(headers["Accept"] == "application/vnd.github+json")
            #expect(headers["X-GitHub-Api-Version"] == "2022-11-28")
            #expect(headers["Authorization"] == .string(ChannelType.mask))
            #expect(detail["attempt_log"]?.arrayValue?.first?["response"]?["status"] == 204)
        }
    }

    @Test func githubStandInRefusesWhatGitHubRefuses() async throws {
        try await withServer(providers: Self.providers) { api in
            try await api.expect(200, .post, "/notification/channel", Self.github)
            let tokens = "/_github/app/installations/42/access_tokens"
            #expect(try await api.call(.post, tokens, authenticated: false).status == 401)
            #expect(try await api.call(.post, tokens, headers: [.authorization: "Bearer not.a.jwt"], authenticated: false).status == 401)
            let expired = try GitHubAppJWT.make(appId: "4242", privateKey: Fixtures.githubAppKey, now: Date().addingTimeInterval(-3600))
            let expiredReply = try await api.call(.post, tokens, headers: [.authorization: "Bearer \(expired)"], authenticated: false)
            #expect(expiredReply.status == 401)
            #expect(expiredReply.json["message"]?.stringValue?.contains("'exp'") == true)
            let foreign = try GitHubAppJWT.make(appId: "4242", privateKey: try _RSA.Signing.PrivateKey(keySize: .bits2048))
            #expect(try await api.call(.post, tokens, headers: [.authorization: "Bearer \(foreign)"], authenticated: false).status == 401)
            let otherApp = try GitHubAppJWT.make(appId: "1", privateKey: Fixtures.githubAppKey)
            #expect(try await api.call(.post, tokens, headers: [.authorization: "Bearer \(otherApp)"], authenticated: false).status == 404)
            let jwt = try GitHubAppJWT.make(appId: "4242", privateKey: Fixtures.githubAppKey)
            #expect(
                try await api.call(
                    .post,
                    "/_github/app/installations/99/access_tokens",
                    headers: [.authorization: "Bearer \(jwt)"],
                    authenticated: false
                ).status == 404
            )
            let issued = try await api.call(.post, tokens, headers: [.authorization: "Bearer \(jwt)"], authenticated: false)
            #expect(issued.status == 201)
            let token = try #require(issued.json["token"]?.stringValue)
            #expect(token.hasPrefix("ghs_"))

            let dispatch = "/_github/repos/acme/services-terraform/actions/workflows/provisioning.yml/dispatches"
            func post(_ path: String, _ body: JSONValue, token: String) async throws -> APIClient.Reply {
                try await api.call(.post, path, body, headers: [.authorization: "Bearer \(token)"], authenticated: false)
            }
            #expect(try await post(dispatch, ["ref": "main"], token: "ghs_forged").json["message"] == "Bad credentials")
            #expect(
                try await post("/_github/repos/acme/other/actions/workflows/provisioning.yml/dispatches", ["ref": "main"], token: token).status == 404
            )
            #expect(
                try await post("/_github/repos/acme/services-terraform/actions/workflows/other.yml/dispatches", ["ref": "main"], token: token).status
                    == 404
            )
            let noRef = try await post(dispatch, ["inputs": [:]], token: token)
            #expect(noRef.status == 422)
            #expect(noRef.json["message"]?.stringValue?.contains("\"ref\" wasn't supplied") == true)
            let many = JSONValue.object(JSONObject((0..<26).map { ("input\($0)", .string("x")) }))
            #expect(try await post(dispatch, ["ref": "main", "inputs": many], token: token).status == 422)
            #expect(
                try await post(dispatch, ["ref": "main", "inputs": ["context": .string(String(repeating: "x", count: 70_000))]], token: token).status
                    == 422
            )
            #expect(try await post(dispatch, ["ref": "main", "inputs": ["context": "{}"]], token: token).status == 204)
            let details = try await post(dispatch, ["ref": "main", "return_run_details": true], token: token)
            #expect(details.status == 200)
            #expect(details.json["workflow_run_id"]?.intValue != nil)
            let runs = try await api.call(.get, "/_github/repos/acme/services-terraform/actions/runs", authenticated: false)
            #expect(runs.json["total_count"] == 2)
        }
    }

    @Test func gitlabTriggerPassesTheEnvelopeAsCONTEXT() async throws {
        try await withServer(providers: Self.providers) { api in
            try await api.expect(200, .post, "/notification/channel", Self.gitlab)
            let actions = try await Self.runActions(api, count: 1)
            try await eventually("both pipelines were created") { try await Self.runs(api, "gitlab").count == 2 }
            let run = try #require(try await Self.runs(api, "gitlab").first)
            #expect(run["request"]?["source"] == "trigger")
            let context = try JSONParser.parse(try #require(run["request"]?["variables"]?["CONTEXT"]?.stringValue))
            #expect(context["notification"]?["id"] == .string(actions[0]))
            let delivery = try #require(try await api.expect(200, .get, "/_npsim/deliveries?status=delivered&limit=1")["results"]?.arrayValue?.first)
            #expect(delivery["result"]?["pipeline_id"]?.intValue != nil)
            let detail = try await api.expect(200, .get, "/_npsim/deliveries/\(delivery["id"]!.intValue!)")
            let sent = try #require(detail["attempt_log"]?.arrayValue?.first?["request_body"]?.stringValue)
            #expect(sent.contains("variables%5BCONTEXT%5D=") && !sent.contains("glptt-test-trigger"))
        }
    }

    @Test func gitlabStandInRefusesWhatGitLabRefuses() async throws {
        try await withServer(providers: Self.providers) { api in
            try await api.expect(200, .post, "/notification/channel", Self.gitlab)
            func trigger(_ project: String, _ form: String) async throws -> APIClient.Reply {
                try await api.call(
                    .post,
                    "/_gitlab/api/v4/projects/\(project)/trigger/pipeline",
                    rawBody: Array(form.utf8),
                    headers: [.contentType: "application/x-www-form-urlencoded"],
                    authenticated: false
                )
            }
            #expect(try await trigger("7", "token=wrong&ref=main").json["message"] == "404 Not Found")
            #expect(try await trigger("8", "token=glptt-test-trigger&ref=main").status == 404)
            #expect(try await trigger("7", "token=glptt-test-trigger").status == 400)
            let unknownRef = try await trigger("7", "token=glptt-test-trigger&ref=feature")
            #expect(unknownRef.status == 400)
            #expect(unknownRef.json["message"]?["base"] == ["Reference not found"])
            let created = try await trigger("7", "token=glptt-test-trigger&ref=main&variables%5BCONTEXT%5D=%7B%7D")
            #expect(created.status == 201)
            #expect(created.json["status"] == "created" && created.json["source"] == "trigger" && created.json["ref"] == "main")
            let query = try await api.call(
                .post,
                "/_gitlab/api/v4/projects/7/trigger/pipeline?token=glptt-test-trigger&ref=main",
                authenticated: false
            )
            #expect(query.status == 201)

            let pipeline = "/_gitlab/api/v4/projects/7/pipeline"
            let body: JSONValue = ["ref": "main", "variables": [["key": "CONTEXT", "value": "{}"]]]
            #expect(try await api.call(.post, pipeline, body, headers: [.init("PRIVATE-TOKEN")!: "nope"], authenticated: false).status == 401)
            let api201 = try await api.call(.post, pipeline, body, headers: [.init("PRIVATE-TOKEN")!: "glpat-test-private"], authenticated: false)
            #expect(api201.status == 201)
            #expect(api201.json["source"] == "api")
        }
    }

    @Test func azureRunPassesTheEnvelopeAsTheCONTEXTVariable() async throws {
        try await withServer(providers: Self.providers) { api in
            try await api.expect(200, .post, "/notification/channel", Self.azure)
            _ = try await Self.runActions(api, count: 1)
            try await eventually("both runs were queued") { try await Self.runs(api, "azure").count == 2 }
            let run = try #require(try await Self.runs(api, "azure").first)
            #expect(run["resource"] == "my-org/my-devops-project/1")
            #expect(run["ref"] == "refs/heads/main")
            #expect(run["request"]?["api-version"] == "7.1")
            let context = try JSONParser.parse(try #require(run["request"]?["body"]?["variables"]?["CONTEXT"]?["value"]?.stringValue))
            #expect(context["source"] == "service")
            let delivery = try #require(try await api.expect(200, .get, "/_npsim/deliveries?status=delivered&limit=1")["results"]?.arrayValue?.first)
            #expect(delivery["result"]?["state"] == "inProgress")
        }
    }

    @Test(arguments: [false, true])
    func azureStandInRefusesBadCredentialsAsAzureDoes(strict: Bool) async throws {
        try await withServer(providers: Self.providers, strictStandIns: strict) { api in
            try await api.expect(200, .post, "/notification/channel", Self.azure)
            let path = "/_azure/my-org/my-devops-project/_apis/pipelines/1/runs"
            func run(_ path: String, token: String) async throws -> Int {
                let basic = Data(":\(token)".utf8).base64EncodedString()
                let response = try await api.client.execute(
                    uri: path,
                    method: .post,
                    headers: [.authorization: "Basic \(basic)", .contentType: "application/json"],
                    body: ByteBuffer(string: "{}")
                )
                return Int(response.status.code)
            }
            #expect(try await run("\(path)?api-version=7.1", token: "wrong") == (strict ? 203 : 401))
            #expect(try await run(path, token: "azure-test-pat") == 400)
            #expect(try await run("/_azure/my-org/my-devops-project/_apis/pipelines/2/runs?api-version=7.1", token: "azure-test-pat") == 404)
            #expect(try await run("\(path)?api-version=7.1", token: "azure-test-pat") == 200)
        }
    }

    @Test func pipelineTriggersAreRetriedOnlyWhenNoRunCanHaveStarted() async throws {
        // The timeout only has to cut the hung receiver short; a loaded machine must not trip it elsewhere.
        let policy = DeliveryPolicy(
            timeout: .seconds(2),
            retrySchedule: [.milliseconds(30), .milliseconds(30)],
            jitter: 0,
            pollInterval: .milliseconds(20)
        )
        try await withReceivers([
            { $0 == 1 ? .bare(503) : .bare(204) },
            { _ in .status(500) },
            { _ in .hang },
            { _ in .status(203) },
        ]) { receivers in
            for (index, expected) in [(0, "delivered"), (1, "failed"), (2, "failed")] {
                let providers = ProviderSettings(github: .init(baseURL: receivers[index].base, token: "ghp_test"))
                try await withServer(delivery: policy, providers: providers) { api in
                    try await api.expect(200, .post, "/notification/channel", Self.github)
                    _ = try await api.runAction(
                        on: try await api.createMySQL(),
                        spec: Fixtures.createMySQL,
                        parameters: ["version": "8.4", "size": "small"]
                    )
                    try await eventually("the delivery settled as \(expected)") {
                        try await api.expect(200, .get, "/_npsim/deliveries?status=\(expected)")["paging"]?["total"] == 1
                    }
                    let delivery = try await api.expect(200, .get, "/_npsim/deliveries?status=\(expected)")["results"]!.arrayValue![0]
                    #expect(delivery["attempts"] == (index == 0 ? 2 : 1))
                    let received = await receivers[index].requests
                    #expect(received.first?.path == "/repos/acme/services-terraform/actions/workflows/provisioning.yml/dispatches")
                    #expect(received.first?.headers["authorization"] == "Bearer ghp_test")
                    if index == 2 {
                        let log = try await api.expect(200, .get, "/_npsim/deliveries/\(delivery["id"]!.intValue!)")["attempt_log"]!.arrayValue!
                        #expect(log[0]["request"]?["retry_decision"]?.stringValue?.contains("may have started a run") == true)
                    }
                }
            }
            let refused = ProviderSettings(azure: .init(baseURL: "http://127.0.0.1:1", token: "pat"))
            try await withServer(delivery: policy, providers: refused) { api in
                try await api.expect(200, .post, "/notification/channel", Self.azure)
                _ = try await api.runAction(
                    on: try await api.createMySQL(),
                    spec: Fixtures.createMySQL,
                    parameters: ["version": "8.4", "size": "small"]
                )
                try await eventually("an unreachable service is retried, then dead-lettered") {
                    try await api.expect(200, .get, "/_npsim/deliveries?status=dead")["paging"]?["total"] == 1
                }
            }
            let trap = ProviderSettings(azure: .init(baseURL: receivers[3].base, token: "pat"))
            try await withServer(delivery: policy, providers: trap) { api in
                try await api.expect(200, .post, "/notification/channel", Self.azure)
                _ = try await api.runAction(
                    on: try await api.createMySQL(),
                    spec: Fixtures.createMySQL,
                    parameters: ["version": "8.4", "size": "small"]
                )
                try await eventually("a 203 sign-in page fails the delivery") {
                    try await api.expect(200, .get, "/_npsim/deliveries?status=failed")["results"]?.arrayValue?.first?["last_error"]
                        == "the Azure DevOps token was refused (203 sign-in page)"
                }
            }
        }
    }
}

@Suite struct WorkflowFileTests {
    /// The product brief's provisioning workflow, declaring the single `context` input.
    static let briefWorkflow = """
        name: Service Provisioning
        on:
          workflow_dispatch:
            inputs:
              context:
                type: string
                description: 'nullplatform service lifecycle webhook context'
                required: true
        jobs:
          provisioning:
            runs-on: ubuntu-latest
            env:
              CONTEXT: ${{ inputs.context }}
            steps:
              - run: echo "Insert your provisioning code here"
        """

    @Test func dispatchesAreCheckedAgainstTheCheckedOutWorkflowFile() async throws {
        let checkout = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-checkout-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: checkout) }
        let workflows = checkout.appendingPathComponent(".github/workflows")
        try FileManager.default.createDirectory(at: workflows, withIntermediateDirectories: true)
        try Self.briefWorkflow.write(to: workflows.appendingPathComponent("provisioning.yml"), atomically: true, encoding: .utf8)
        try "on: push\njobs: {}\n".write(to: workflows.appendingPathComponent("push-only.yml"), atomically: true, encoding: .utf8)
        let providers = ProviderSettings(github: .init(token: "ghp_local"))
        try await withServer(providers: providers, checkouts: ["github:acme/services-terraform": checkout.path]) { api in
            func dispatch(_ workflow: String, _ inputs: JSONValue) async throws -> APIClient.Reply {
                try await api.call(
                    .post,
                    "/_github/repos/acme/services-terraform/actions/workflows/\(workflow)/dispatches",
                    ["ref": "main", "inputs": inputs],
                    headers: [.authorization: "Bearer ghp_local"],
                    authenticated: false
                )
            }
            #expect(try await dispatch("provisioning.yml", ["context": "{}"]).status == 204)
            let unexpected = try await dispatch("provisioning.yml", ["context": "{}", "debug": "true"])
            #expect(unexpected.status == 422)
            #expect(unexpected.json["message"] == #"Unexpected inputs provided: ["debug"]"#)
            #expect(try await dispatch("provisioning.yml", [:]).json["message"] == "Required input 'context' not provided")
            #expect(try await dispatch("push-only.yml", [:]).json["message"] == "Workflow does not have 'workflow_dispatch' trigger")
            #expect(try await dispatch("missing.yml", [:]).status == 404)
        }
    }
}
