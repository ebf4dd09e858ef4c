import Foundation
import NPSimCore
import NPSimDelivery

/// A mapped project's `.gitlab-ci.yml`, checked as GitLab checks it when a pipeline is created, then planned as a
/// local run: stages in order, the jobs of a stage in file order, each job's `before_script` and `script` in one
/// `bash` with `set -eo pipefail` and its `after_script` in another, as GitLab's shell executor does.
///
/// A job sees the file's and its own `variables`, the pipeline's variables (`CONTEXT`) and the predefined
/// variables of a triggered pipeline. `rules: - if:` is evaluated; `include:`, `extends:`, `only`/`except` and
/// child pipelines fail the run with a message. Container keywords (`image:`, `services:`) and `tags:` are
/// ignored with a note in the log: jobs run in a shell on this machine.
struct GitLabPipeline {
    /// GitLab refuses to create the pipeline, with this message in `{"message":{"base":[...]}}`.
    struct Rejected: Error {
        let message: String
    }

    static let file = ".gitlab-ci.yml"
    static let globalKeywords: Set<String> = [
        "stages", "variables", "default", "include", "workflow", "image", "services", "before_script", "after_script", "cache", "spec",
    ]
    static let jobKeywords: Set<String> = [
        "after_script", "allow_failure", "artifacts", "before_script", "cache", "coverage", "dast_configuration", "dependencies", "environment",
        "extends", "hooks", "id_tokens", "identity", "image", "inherit", "interruptible", "manual_confirmation", "needs", "pages", "parallel",
        "release", "resource_group", "retry", "rules", "run", "script", "secrets", "services", "stage", "start_in", "tags", "timeout",
        "trigger", "variables", "when", "only", "except",
    ]
    /// Keywords whose meaning is a container or a runner choice: ignored locally, with a note.
    static let ignoredKeywords = ["image", "services", "tags", "cache", "artifacts", "retry", "timeout", "interruptible", "environment"]

    let checkout: String
    let document: JSONObject
    let stages: [String]
    let jobs: [(name: String, definition: JSONObject)]

    static func load(checkout: String) throws(Rejected) -> GitLabPipeline {
        let path = URL(fileURLWithPath: checkout).appendingPathComponent(file).path
        guard FileManager.default.fileExists(atPath: path) else { throw Rejected(message: "Missing CI config file") }
        let parsed: JSONValue
        do { parsed = try DocumentFile.parse(file: path) } catch { throw Rejected(message: "Invalid configuration format: \(error)") }
        guard case .object(let document) = parsed else { throw Rejected(message: "Invalid configuration format") }
        let declared = document["stages"]?.arrayValue?.compactMap(\.stringValue) ?? ["build", "test", "deploy"]
        let stages = [".pre"] + declared + [".post"]
        var jobs: [(name: String, definition: JSONObject)] = []
        for (name, value) in document where !globalKeywords.contains(name) && !name.hasPrefix(".") {
            guard case .object(let definition) = value else { throw Rejected(message: "jobs:\(name) config should be a hash") }
            if let unknown = definition.keys.first(where: { !jobKeywords.contains($0) }) {
                throw Rejected(message: "jobs:\(name) config contains unknown keys: \(unknown)")
            }
            guard definition["script"] != nil || definition["trigger"] != nil || definition["run"] != nil || definition["extends"] != nil else {
                throw Rejected(message: "jobs:\(name) config should implement the script:, run:, or trigger: keyword")
            }
            let stage = definition["stage"]?.stringValue ?? "test"
            guard stages.contains(stage) else {
                throw Rejected(message: "jobs:\(name) chosen stage \(stage) does not exist; available stages are \(stages.joined(separator: ", "))")
            }
            jobs.append((name, definition))
        }
        guard !jobs.isEmpty else { throw Rejected(message: "jobs config should contain at least one visible job") }
        return GitLabPipeline(checkout: checkout, document: document, stages: stages, jobs: jobs)
    }

    /// The local run of this pipeline, created by `source` (`trigger` or `api`) on `ref` with `variables`.
    func plan(project: String, ref: String, source: String, variables: JSONObject, pipelineId: Int) throws(UnsupportedByLocalRun) -> LocalRunPlan {
        for keyword in ["include", "workflow", "spec"] where document[keyword] != nil {
            throw UnsupportedByLocalRun(
                message: "'\(keyword):' is not supported by npsim's local GitLab executor; inline what it brings into \(Self.file)"
            )
        }
        var plan = LocalRunPlan(directory: checkout)
        let globals = Self.strings(document["variables"])
        let pipelineVariables = Self.strings(.object(variables))
        let predefined = [
            "CI": "true", "GITLAB_CI": "true", "CI_PIPELINE_SOURCE": source, "CI_COMMIT_REF_NAME": ref, "CI_COMMIT_BRANCH": ref,
            "CI_COMMIT_REF_SLUG": ref.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined(),
            "CI_DEFAULT_BRANCH": ref, "CI_PROJECT_ID": project, "CI_PROJECT_DIR": checkout, "CI_PIPELINE_ID": String(pipelineId),
            "CI_PIPELINE_IID": String(pipelineId), "CI_SERVER": "yes", "CI_SERVER_NAME": "npsim",
        ]
        let defaults = document["default"]?.objectValue ?? JSONObject()
        let ignored = Self.ignoredKeywords.filter { keyword in
            document[keyword] != nil || defaults[keyword] != nil || jobs.contains { $0.definition[keyword] != nil }
        }
        if !ignored.isEmpty {
            plan.notes.append("ignored \(ignored.map { "'\($0):'" }.joined(separator: ", ")): jobs run in a bash shell on this machine")
        }
        for (stageIndex, stage) in stages.enumerated() {
            for (name, definition) in jobs where (definition["stage"]?.stringValue ?? "test") == stage {
                for keyword in ["extends", "trigger", "only", "except", "parallel", "run", "secrets"] where definition[keyword] != nil {
                    throw UnsupportedByLocalRun(message: "job '\(name)' uses '\(keyword):', which npsim's local GitLab executor does not support")
                }
                // Precedence as on GitLab: the pipeline's variables over the job's over the file's.
                var environment = globals.merging(Self.strings(definition["variables"])) { $1 }
                environment.merge(pipelineVariables) { $1 }
                environment.merge(predefined) { $1 }
                environment.merge(["CI_JOB_NAME": name, "CI_JOB_STAGE": stage]) { $1 }
                var when = definition["when"]?.stringValue ?? "on_success"
                if let rules = definition["rules"]?.arrayValue {
                    guard let rule = try Self.firstMatching(rules, job: name, environment: environment) else {
                        plan.notes.append("job '\(name)' not added: no rule matched")
                        continue
                    }
                    when = rule["when"]?.stringValue ?? when
                    environment.merge(Self.strings(rule["variables"])) { $1 }
                }
                switch when {
                case "never":
                    plan.notes.append("job '\(name)' not added: when: never")
                    continue
                case "manual":
                    plan.notes.append("job '\(name)' is manual and was not started, as on GitLab")
                    continue
                default: break
                }
                let before = Self.lines(definition["before_script"] ?? defaults["before_script"] ?? document["before_script"])
                let after = Self.lines(definition["after_script"] ?? defaults["after_script"] ?? document["after_script"])
                plan.steps.append(
                    .init(
                        title: "job \(name) (stage \(stage))",
                        script: Self.jobScript(script: before + Self.lines(definition["script"]), afterScript: after),
                        environment: environment,
                        condition: when == "always" ? .always : when == "on_failure" ? .onFailure : .onSuccess,
                        continueOnError: definition["allow_failure"] == .bool(true) || definition["allow_failure"]?.objectValue != nil,
                        group: stageIndex
                    )
                )
            }
        }
        return plan
    }

    private static func firstMatching(_ rules: [JSONValue], job: String, environment: [String: String]) throws(UnsupportedByLocalRun) -> JSONValue? {
        for rule in rules {
            if let unsupported = ["changes", "exists", "needs"].first(where: { rule[$0] != nil }) {
                throw UnsupportedByLocalRun(
                    message: "job '\(job)' has a rule with '\(unsupported):', which npsim's local GitLab executor does not evaluate"
                )
            }
            guard let condition = rule["if"]?.stringValue else { return rule }
            if try GitLabRuleExpression(source: condition).evaluate(environment) { return rule }
        }
        return nil
    }

    /// `before_script` and `script` with errexit in one subshell, `after_script` in another whose failure does not count.
    private static func jobScript(script: [String], afterScript: [String]) -> String {
        func echoed(_ lines: [String]) -> String {
            lines.map { "echo \(ChildProcess.quoted("$ " + $0))\n\($0)" }.joined(separator: "\n")
        }
        var text = "( set -eo pipefail\n\(echoed(script))\n)\nnpsim_status=$?\n"
        if !afterScript.isEmpty {
            text += "echo 'Running after_script'\n( \(echoed(afterScript))\n) || echo 'after_script failed (ignored, as on GitLab)'\n"
        }
        return text + "exit $npsim_status\n"
    }

    /// Script lines: a string or a list, nested lists (from YAML anchors) flattened.
    private static func lines(_ value: JSONValue?) -> [String] {
        switch value {
        case .string(let line)?: [line]
        case .array(let items)?: items.flatMap { lines($0) }
        default: []
        }
    }

    /// `variables:` values: plain scalars, or `{value:, description:}`.
    private static func strings(_ value: JSONValue?) -> [String: String] {
        var result: [String: String] = [:]
        for (name, item) in value?.objectValue ?? JSONObject() {
            let scalar = item["value"] ?? item
            result[name] = scalar.stringValue ?? (scalar == .null ? "" : JSONWriter.string(scalar))
        }
        return result
    }
}
