import Foundation
import NPSimCore
import NPSimDelivery
import NPSimStandIns
import Synchronization
import Testing

/// Runs of mapped checkouts, executed for real in bash (and act): what runs, in which order, with which
/// variables; what fails a run; and what npsim refuses to guess at.
@Suite struct LocalRunTests {
    static let providers = ProviderSettings(
        github: .init(token: "ghp_local"),
        gitlab: .init(triggerToken: "glptt-local"),
        azure: .init(token: "azure-pat")
    )

    /// A temporary checkout holding `files` (path → content).
    static func checkout(_ files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-local-run-\(UUID().uuidString)")
        for (path, content) in files {
            let file = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try content.write(to: file, atomically: true, encoding: .utf8)
        }
        return directory
    }

    /// Waits until run `id` finished and returns it with its log.
    static func finished(_ api: APIClient, run id: Int) async throws -> JSONValue {
        var run: JSONValue = .null
        try await eventually(within: .seconds(30), "run \(id) finished") {
            run = try await api.call(.get, "/_npsim/providers/runs/\(id)").json
            return run["finished_at"] != nil
        }
        return run
    }

    static func triggerGitLab(_ api: APIClient, project: String = "7", context: String = "{\"hello\":\"world\"}") async throws -> APIClient.Reply {
        let form = "token=glptt-local&ref=main&variables[CONTEXT]=\(context.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        return try await api.call(
            .post,
            "/_gitlab/api/v4/projects/\(project)/trigger/pipeline",
            rawBody: Array(form.utf8),
            headers: [.contentType: "application/x-www-form-urlencoded"],
            authenticated: false
        )
    }

    @Test func gitlabJobsRunStageByStageWithRulesVariablesAndAfterScript() async throws {
        let checkout = try Self.checkout([
            ".gitlab-ci.yml": """
            stages: [build, deploy]
            variables:
              GREETING: hello
              OVERRIDDEN: from-file
            image: alpine
            first:
              stage: build
              variables:
                OVERRIDDEN: from-job
              before_script:
                - echo "before $GREETING"
              script:
                - echo "first $OVERRIDDEN $CI_PIPELINE_SOURCE $CI_COMMIT_REF_NAME $CI_PROJECT_ID"
                - echo "context $CONTEXT"
              after_script:
                - echo "after first"
            flaky:
              stage: build
              allow_failure: true
              script:
                - exit 4
            second:
              stage: deploy
              rules:
                - if: $CI_PIPELINE_SOURCE == "trigger" && $GREETING =~ /^hel/
              script:
                - echo "second $CI_JOB_NAME $CI_JOB_STAGE"
            not-for-triggers:
              stage: deploy
              rules:
                - if: $CI_PIPELINE_SOURCE == "push"
              script:
                - echo "must not run"
            by-hand:
              stage: deploy
              when: manual
              script:
                - echo "must not run either"
            """
        ])
        defer { try? FileManager.default.removeItem(at: checkout) }
        try await withServer(providers: Self.providers, checkouts: ["gitlab:7": checkout.path]) { api in
            let reply = try await Self.triggerGitLab(api)
            #expect(reply.status == 201)
            let run = try await Self.finished(api, run: try #require(reply.json["id"]?.intValue))
            let log = run["log"]?.stringValue ?? ""
            #expect(run["status"] == "success", "\(log)")
            #expect(run["exit_code"] == 0)
            let expectedInOrder = [
                "ignored 'image:'", "before hello", "first from-job trigger main 7", #"context {"hello":"world"}"#, "after first",
                "job flaky (stage build): exit code 4 (allowed to fail)", "second second deploy",
            ]
            var position = log.startIndex
            for line in expectedInOrder {
                let found = try #require(log.range(of: line, range: position..<log.endIndex), "'\(line)' missing or out of order in:\n\(log)")
                position = found.upperBound
            }
            #expect(log.contains("job 'not-for-triggers' not added: no rule matched"))
            #expect(log.contains("job 'by-hand' is manual and was not started"))
            #expect(!log.contains("must not run"))
        }
    }

    @Test func aFailedGitLabJobSkipsLaterStagesButNotOnFailureJobs() async throws {
        let checkout = try Self.checkout([
            ".gitlab-ci.yml": """
            stages: [build, deploy, cleanup]
            broken:
              stage: build
              script:
                - echo "one"
                - exit 3
                - echo "never printed"
            deploy:
              stage: deploy
              script: echo "deploying"
            rollback:
              stage: cleanup
              when: on_failure
              script: echo "rolling back"
            """
        ])
        defer { try? FileManager.default.removeItem(at: checkout) }
        try await withServer(providers: Self.providers, checkouts: ["gitlab:7": checkout.path]) { api in
            let run = try await Self.finished(api, run: try #require(try await Self.triggerGitLab(api).json["id"]?.intValue))
            let log = run["log"]?.stringValue ?? ""
            #expect(run["status"] == "failed")
            #expect(run["exit_code"] == 3)
            #expect(log.contains("$ exit 3"))
            #expect(!log.contains("never printed"))
            #expect(log.contains("job deploy (stage deploy): skipped"))
            #expect(log.contains("rolling back"))
        }
    }

    @Test func theGitLabStandInRefusesConfigurationsGitLabRefuses() async throws {
        let cases: [(String?, String)] = [
            (nil, "Missing CI config file"),
            (
                "job:\n  stage: nowhere\n  script: echo\n",
                "jobs:job chosen stage nowhere does not exist; available stages are .pre, build, test, deploy, .post"
            ),
            ("job:\n  script: echo\n  scrpit: typo\n", "jobs:job config contains unknown keys: scrpit"),
            ("job:\n  stage: test\n", "jobs:job config should implement the script:, run:, or trigger: keyword"),
            (".hidden:\n  script: echo\n", "jobs config should contain at least one visible job"),
        ]
        for (file, message) in cases {
            let checkout = try Self.checkout(file.map { [".gitlab-ci.yml": $0] } ?? ["README": "no pipeline here"])
            defer { try? FileManager.default.removeItem(at: checkout) }
            try await withServer(providers: Self.providers, checkouts: ["gitlab:7": checkout.path]) { api in
                let reply = try await Self.triggerGitLab(api)
                #expect(reply.status == 400)
                #expect(reply.json["message"]?["base"]?.arrayValue?.first?.stringValue == message)
                #expect(try await api.call(.get, "/_npsim/providers/runs").json["paging"]?["total"] == 0)
            }
        }
    }

    @Test(arguments: [
        ("include:\n  - local: other.yml\njob:\n  script: echo\n", "'include:' is not supported by npsim's local GitLab executor"),
        ("job:\n  extends: .base\n  script: echo\n.base:\n  image: alpine\n", "job 'job' uses 'extends:'"),
        ("job:\n  rules:\n    - changes: [src/*]\n  script: echo\n", "has a rule with 'changes:'"),
        ("job:\n  rules:\n    - if: ($A == \"1\") || $B\n  script: echo\n", "uses syntax npsim's local GitLab executor does not evaluate"),
    ])
    func whatTheGitLabExecutorCannotRunFailsTheRunSayingWhy(file: String, message: String) async throws {
        let checkout = try Self.checkout([".gitlab-ci.yml": file])
        defer { try? FileManager.default.removeItem(at: checkout) }
        try await withServer(providers: Self.providers, checkouts: ["gitlab:7": checkout.path]) { api in
            let reply = try await Self.triggerGitLab(api)
            #expect(reply.status == 201)
            let run = try await Self.finished(api, run: try #require(reply.json["id"]?.intValue))
            #expect(run["status"] == "failed")
            #expect(run["log"]?.stringValue?.contains(message) == true, "\(run["log"] ?? .null)")
        }
    }

    static func queueAzure(_ api: APIClient, body: JSONValue) async throws -> APIClient.Reply {
        try await api.call(
            .post,
            "/_azure/acme/platform/_apis/pipelines/3/runs?api-version=7.1",
            body,
            headers: [.authorization: "Basic \(Data(":azure-pat".utf8).base64EncodedString())"],
            authenticated: false
        )
    }

    @Test func azureStepsExpandMacrosParametersAndHonourConditions() async throws {
        let checkout = try Self.checkout([
            "azure-pipelines.yml": """
            parameters:
              - name: environment
                type: string
                default: staging
            variables:
              greeting: hello
              build.configuration: Release
            steps:
              - checkout: self
              - script: |
                  echo "macro $(CONTEXT) $(greeting) ${{ parameters.environment }} $(Build.SourceBranch)" 'left: $(Unknown.Macro)'
                  echo "env $GREETING $BUILD_CONFIGURATION"
                displayName: Say hello
              - bash: |
                  false
                  echo "no errexit: still here"
                  exit 5
                displayName: Tolerated failure
                continueOnError: true
              - script: exit 2
                displayName: Real failure
              - script: echo "must not run"
                displayName: Skipped
              - script: echo "cleanup runs"
                displayName: Cleanup
                condition: always()
                env:
                  WHERE: $(System.TeamProject)
            """
        ])
        defer { try? FileManager.default.removeItem(at: checkout) }
        try await withServer(providers: Self.providers, checkouts: ["azure:acme/platform/3": checkout.path]) { api in
            let reply = try await Self.queueAzure(
                api,
                body: ["variables": ["CONTEXT": ["value": "ctx-value", "isSecret": false]], "templateParameters": ["environment": "prod"]]
            )
            #expect(reply.status == 200)
            let run = try await Self.finished(api, run: try #require(reply.json["id"]?.intValue))
            let log = run["log"]?.stringValue ?? ""
            #expect(run["status"] == "completed")
            #expect(run["conclusion"] == "failed")
            #expect(run["exit_code"] == 2)
            #expect(log.contains("macro ctx-value hello prod refs/heads/main left: $(Unknown.Macro)"), "\(log)")
            #expect(log.contains("env hello Release"))
            #expect(log.contains("no errexit: still here"))
            #expect(log.contains("Tolerated failure: exit code 5 (allowed to fail)"))
            #expect(log.contains("Skipped: skipped"))
            #expect(!log.contains("must not run"))
            #expect(log.contains("cleanup runs"))
        }
    }

    @Test func azureRefusesAMissingPipelineFileAndFailsWhatItCannotRun() async throws {
        let empty = try Self.checkout(["README": "nothing"])
        let withTask = try Self.checkout(["azure-pipelines.yml": "steps:\n  - task: AzureCLI@2\n    inputs: {}\n"])
        defer {
            try? FileManager.default.removeItem(at: empty)
            try? FileManager.default.removeItem(at: withTask)
        }
        try await withServer(providers: Self.providers, checkouts: ["azure:acme/platform/3": empty.path]) { api in
            let reply = try await Self.queueAzure(api, body: [:])
            #expect(reply.status == 400)
            #expect(
                reply.json["customProperties"]?["ValidationResults"]?.arrayValue?.first?["message"]
                    == "File /azure-pipelines.yml not found in repository self"
            )
        }
        try await withServer(providers: Self.providers, checkouts: ["azure:acme/platform/3": withTask.path]) { api in
            let run = try await Self.finished(api, run: try #require(try await Self.queueAzure(api, body: [:]).json["id"]?.intValue))
            #expect(run["conclusion"] == "failed")
            #expect(run["log"]?.stringValue?.contains("is a 'task:' step; only 'script:' and 'bash:' steps run locally") == true)
        }
    }

    static func dispatchGitHub(_ api: APIClient, workflow: String = "provisioning.yml") async throws -> Int {
        let reply = try await api.call(
            .post,
            "/_github/repos/acme/services/actions/workflows/\(workflow)/dispatches",
            ["ref": "main", "inputs": ["context": "{}"], "return_run_details": true],
            headers: [.authorization: "Bearer ghp_local"],
            authenticated: false
        )
        try #require(reply.status == 200, "\(reply.json)")
        return try #require(reply.json["workflow_run_id"]?.intValue)
    }

    static func workflow(steps: String) -> String {
        """
        on:
          workflow_dispatch:
            inputs:
              context:
                required: true
        jobs:
          provisioning:
            runs-on: [self-hosted, linux]
            steps:
        \(steps)
        """
    }

    @Test func aGitHubWorkflowRunsWithActAndItsFailureIsTheRunsConclusion() async throws {
        let checkout = try Self.checkout([
            ".github/workflows/provisioning.yml": Self.workflow(
                steps: """
                          - uses: actions/checkout@v4
                          - run: echo "input ${{ inputs.context }} key-set=${{ secrets.NP_API_KEY != '' }} same-key=${{ secrets.NULLPLATFORM_API_KEY == secrets.NP_API_KEY }}"; test -f marker
                          - run: exit 6
                    """
            ),
            "marker": "copied by act for actions/checkout",
        ])
        defer { try? FileManager.default.removeItem(at: checkout) }
        try await withServer(providers: Self.providers, checkouts: ["github:acme/services": checkout.path]) { api in
            let run = try await Self.finished(api, run: try await Self.dispatchGitHub(api))
            let log = run["log"]?.stringValue ?? ""
            #expect(run["status"] == "completed")
            #expect(run["conclusion"] == "failure", "\(log)")
            #expect(run["exit_code"] != 0)
            #expect(log.contains("input {} key-set=true same-key=true"), "nullplatform's examples read secrets.NULLPLATFORM_API_KEY: \(log)")
        }
    }

    @Test func whatActWouldDownloadOrNeedsAContainerFailsTheRunSayingWhy() async throws {
        let cases = [
            ("      - uses: hashicorp/setup-terraform@v3\n", "uses 'hashicorp/setup-terraform@v3', which act would download from github.com"),
            ("      - uses: docker://alpine:3\n", "uses 'docker://alpine:3'"),
        ]
        for (steps, message) in cases {
            let checkout = try Self.checkout([".github/workflows/provisioning.yml": Self.workflow(steps: steps)])
            defer { try? FileManager.default.removeItem(at: checkout) }
            try await withServer(providers: Self.providers, checkouts: ["github:acme/services": checkout.path]) { api in
                let run = try await Self.finished(api, run: try await Self.dispatchGitHub(api))
                #expect(run["conclusion"] == "failure")
                #expect(run["log"]?.stringValue?.contains(message) == true, "\(run["log"] ?? .null)")
            }
        }
        let checkout = try Self.checkout([".github/workflows/provisioning.yml": Self.workflow(steps: "      - run: true\n")])
        defer { try? FileManager.default.removeItem(at: checkout) }
        try await withServer(providers: Self.providers, checkouts: ["github:acme/services": checkout.path], act: "/nonexistent/act") { api in
            let run = try await Self.finished(api, run: try await Self.dispatchGitHub(api))
            #expect(run["log"]?.stringValue?.contains("act was configured at /nonexistent/act (--act), but no executable is there") == true)
        }
    }

    @Test func aRunThatOutlivesTheRunTimeoutIsKilled() async throws {
        let checkout = try Self.checkout([".gitlab-ci.yml": "hang:\n  script:\n    - echo started\n    - sleep 60\n"])
        defer { try? FileManager.default.removeItem(at: checkout) }
        try await withServer(providers: Self.providers, checkouts: ["gitlab:7": checkout.path], runTimeout: .seconds(1)) { api in
            let started = ContinuousClock.now
            let run = try await Self.finished(api, run: try #require(try await Self.triggerGitLab(api).json["id"]?.intValue))
            #expect(ContinuousClock.now - started < .seconds(20))
            #expect(run["status"] == "failed")
            #expect(run["log"]?.stringValue?.contains("killed, the run exceeded its timeout") == true, "\(run["log"] ?? .null)")
        }
    }

    @Test func aRunCutShortByAStopIsMarkedFailedAtTheNextStart() async throws {
        let checkout = try Self.checkout([".gitlab-ci.yml": "hang:\n  script:\n    - sleep 60\n"])
        let database = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-local-run-\(UUID().uuidString).sqlite")
        defer {
            try? FileManager.default.removeItem(at: checkout)
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database.path + suffix) }
        }
        // Only the stop is timed: starting a server and a run on a loaded machine may take long, stopping may not.
        let stopping = Mutex(ContinuousClock.now)
        try await withServer(databasePath: database.path, providers: Self.providers, checkouts: ["gitlab:7": checkout.path]) { api in
            let id = try #require(try await Self.triggerGitLab(api).json["id"]?.intValue)
            try await eventually("the run started") { try await api.call(.get, "/_npsim/providers/runs/\(id)").json["status"] == "running" }
            stopping.withLock { $0 = ContinuousClock.now }
        }
        #expect(ContinuousClock.now - stopping.withLock { $0 } < .seconds(30), "stopping npsim waited for the 60 s run instead of stopping it")
        try await withServer(databasePath: database.path, providers: Self.providers, checkouts: ["gitlab:7": checkout.path]) { api in
            let run = try await Self.finished(api, run: 1)
            #expect(run["status"] == "failed")
            #expect(run["log"]?.stringValue?.contains("npsim stopped before this run finished") == true, "\(run["log"] ?? .null)")
        }
    }
}
