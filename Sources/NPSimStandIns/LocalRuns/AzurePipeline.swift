import Foundation
import NPSimCore
import NPSimDelivery

/// A mapped pipeline's `azure-pipelines.yml`, planned as a local run: the `script` and `bash` steps of its
/// stages and jobs in order, each in `bash --noprofile --norc` as Azure's Linux agents run them (no errexit: a
/// step fails by its last command's exit code). `$(name)` macros are expanded in the scripts from the queue-time
/// variables (`CONTEXT`), the file's `variables` and the predefined ones; non-secret variables are also in the
/// environment, upper-cased with `.` as `_`. `${{ parameters.name }}` takes the run's `templateParameters` or
/// the parameter's default.
///
/// Templates, variable groups, `task:` steps and deployment jobs fail the run with a message. Jobs of a stage run
/// one after another here, not side by side.
struct AzurePipeline {
    /// Azure refuses to queue the run (400, with the message in `customProperties.ValidationResults`).
    struct Rejected: Error {
        let message: String
    }

    static let file = "azure-pipelines.yml"

    let checkout: String
    let document: JSONObject

    static func load(checkout: String) throws(Rejected) -> AzurePipeline {
        let path = URL(fileURLWithPath: checkout).appendingPathComponent(file).path
        guard FileManager.default.fileExists(atPath: path) else { throw Rejected(message: "File /\(file) not found in repository self") }
        let parsed: JSONValue
        do { parsed = try DocumentFile.parse(file: path) } catch { throw Rejected(message: "/\(file): \(error)") }
        guard case .object(let document) = parsed,
            document["steps"] != nil || document["jobs"] != nil || document["stages"] != nil
                || document["extends"] != nil
        else { throw Rejected(message: "/\(file): A pipeline must contain at least one stage, job or step") }
        return AzurePipeline(checkout: checkout, document: document)
    }

    struct Run {
        let id: Int
        let organization: String
        let project: String
        let refName: String
        /// Queue-time variables: `{"CONTEXT": {"value": "...", "isSecret": false}}`.
        let variables: JSONObject
        let templateParameters: JSONObject
    }

    func plan(_ run: Run) throws(UnsupportedByLocalRun) -> LocalRunPlan {
        if document["extends"] != nil || document["resources"]?["repositories"] != nil {
            throw unsupported("'extends:' and repository resources need templates from other repositories")
        }
        var variables = Variables()
        variables.set("Build.BuildId", String(run.id))
        variables.set("Build.BuildNumber", String(run.id))
        variables.set("Build.SourceBranch", run.refName)
        variables.set("Build.SourceBranchName", String(run.refName.split(separator: "/").last ?? ""))
        for name in ["Build.SourcesDirectory", "Build.Repository.LocalPath", "System.DefaultWorkingDirectory", "Pipeline.Workspace"] {
            variables.set(name, checkout)
        }
        variables.set("System.TeamProject", run.project)
        variables.set("System.CollectionUri", "https://dev.azure.com/\(run.organization)/")
        variables.set("Agent.OS", "Linux")
        try variables.read(document["variables"])
        for (name, value) in run.variables {
            variables.set(name, value["value"]?.stringValue ?? value.stringValue ?? "", secret: value["isSecret"] == .bool(true))
        }
        var parameters: [String: String] = [:]
        for parameter in document["parameters"]?.arrayValue ?? [] {
            guard let name = parameter["name"]?.stringValue else { continue }
            let given = run.templateParameters[name] ?? parameter["default"]
            parameters[name] = given.map { $0.stringValue ?? JSONWriter.string($0) }
        }

        var plan = LocalRunPlan(directory: checkout)
        for (jobName, job, jobVariables) in try jobs() {
            var scoped = variables
            try scoped.read(jobVariables)
            scoped.set("System.JobName", jobName)
            for (index, step) in (job["steps"]?.arrayValue ?? []).enumerated() {
                guard let planned = try self.step(step, index: index, job: jobName, variables: scoped, parameters: parameters) else {
                    continue
                }
                plan.steps.append(planned)
            }
        }
        plan.notes.append("jobs run one after another in bash on this machine; pool and vmImage are ignored")
        return plan
    }

    /// Every job with its name and the variables of its stage, in order.
    private func jobs() throws(UnsupportedByLocalRun) -> [(String, JSONValue, JSONValue?)] {
        if let steps = document["steps"] { return [("Job", ["steps": steps], nil)] }
        var result: [(String, JSONValue, JSONValue?)] = []
        let stages = document["stages"]?.arrayValue ?? [["jobs": document["jobs"] ?? []]]
        for stage in stages {
            if stage["template"] != nil { throw unsupported("stage templates ('template:') are not supported") }
            for job in stage["jobs"]?.arrayValue ?? [] {
                if job["template"] != nil { throw unsupported("job templates ('template:') are not supported") }
                guard let name = job["job"]?.stringValue else {
                    throw unsupported("only 'job:' jobs run locally; deployment jobs need environments")
                }
                var stageVariables = stage["variables"]
                if let jobVariables = job["variables"] { stageVariables = Variables.merged(stageVariables, jobVariables) }
                result.append((name, job, stageVariables))
            }
        }
        return result
    }

    private func step(
        _ step: JSONValue,
        index: Int,
        job: String,
        variables: Variables,
        parameters: [String: String]
    ) throws(UnsupportedByLocalRun) -> LocalRunPlan.Step? {
        if step["enabled"] == .bool(false) { return nil }
        if let checkout = step["checkout"]?.stringValue {
            guard checkout == "self" || checkout == "none" else {
                throw unsupported("'checkout: \(checkout)' needs another repository")
            }
            return nil
        }
        guard let source = step["script"]?.stringValue ?? step["bash"]?.stringValue else {
            let kind = step.objectValue?.keys.first ?? "?"
            throw unsupported("step \(index + 1) of job '\(job)' is a '\(kind):' step; only 'script:' and 'bash:' steps run locally")
        }
        let condition: LocalRunPlan.Step.Condition
        switch step["condition"]?.stringValue?.replacingOccurrences(of: " ", with: "") {
        case nil, "succeeded()": condition = .onSuccess
        case "always()", "succeededOrFailed()": condition = .always
        case "failed()": condition = .onFailure
        case let other?: throw unsupported("the condition '\(other)' of step \(index + 1) of job '\(job)' is not evaluated locally")
        }
        var script = try Self.expandParameters(in: source, parameters)
        script = variables.expandMacros(in: script)
        if let directory = step["workingDirectory"]?.stringValue {
            script = "cd \(ChildProcess.quoted(variables.expandMacros(in: directory))) || exit 1\n" + script
        }
        var environment = variables.environment
        for (name, value) in step["env"]?.objectValue ?? JSONObject() {
            environment[name] = variables.expandMacros(in: value.stringValue ?? JSONWriter.string(value))
        }
        return .init(
            title: step["displayName"]?.stringValue ?? "\(job): \(step["bash"] != nil ? "Bash" : "CmdLine") \(index + 1)",
            script: script,
            environment: environment,
            condition: condition,
            continueOnError: step["continueOnError"] == .bool(true)
        )
    }

    /// `${{ parameters.name }}`; any other template expression is refused.
    private static func expandParameters(in text: String, _ parameters: [String: String]) throws(UnsupportedByLocalRun) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            let expression = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard expression.hasPrefix("parameters."), let value = parameters[String(expression.dropFirst("parameters.".count))] else {
                throw UnsupportedByLocalRun(message: "the template expression '${{ \(expression) }}' is not evaluated locally")
            }
            result += rest[..<open.lowerBound] + value
            rest = rest[close.upperBound...]
        }
        return result + rest
    }

    private func unsupported(_ reason: String) -> UnsupportedByLocalRun {
        UnsupportedByLocalRun(message: "\(reason) (npsim's local Azure Pipelines executor, \(Self.file))")
    }
}
