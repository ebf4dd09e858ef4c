import Foundation
import NPSimCore
import NPSimDelivery
import NPSimServer

/// `np service workflow exec`: nullplatform's local step engine, which the services repositories' handlers call as
/// `np service workflow exec --workflow workflows/<cloud>/<action>.yaml --values values.yaml`.
///
/// A workflow is `steps:`, each `{name, type: script, file, configuration, output}`. Steps run in order with the
/// caller's environment plus `CONTEXT` (the notification), `VALUES` (the values file's path, not its content) and
/// the step's `configuration`; `$VAR` in `file` and in configuration values is expanded. A step's `output`
/// variables (`{name, type: environment}`) that the script sets are handed to every later step. The first step that
/// fails ends the workflow with its exit code.
///
/// `--overrides` names a workflow whose steps replace the steps of the same name (others are appended).
/// `--build-context` puts into `CONTEXT` the providers of the categories in `--provider-categories` or the values
/// file's `provider_categories` (as `providers.<category>`), and with `--include-secrets` the service's and link's
/// secret attributes.
enum WorkflowExec {
    static let flags = [
        "workflow", "values", "overrides", "dry-run", "build-context", "include-secrets", "no-output", "notification", "provider-categories",
        "no-params",
    ]
    static let booleans: Set<String> = ["dry-run", "build-context", "include-secrets", "no-output", "no-params"]

    struct Step {
        let name: String
        let file: String
        let configuration: [(String, String)]
        let outputs: [String]
    }

    static func run(_ arguments: NPArguments) async throws {
        var environment = ProcessInfo.processInfo.environment
        if let values = arguments.flags["values"] {
            guard FileManager.default.fileExists(atPath: values) else { throw NPFailure.usage("--values \(values) does not exist") }
            environment["VALUES"] = URL(fileURLWithPath: values).standardizedFileURL.path
        }
        if let context = try? ActionContext.load(arguments) {
            var notification = context.notification
            if try arguments.bool("build-context") { notification = try await buildContext(context, arguments, environment: environment) }
            environment["CONTEXT"] = JSONWriter.string(.object(notification))
        }
        var steps = try load(try arguments.required("workflow"), environment: environment)
        if let overrides = arguments.flags["overrides"] {
            for step in try load(overrides, environment: environment) {
                if let index = steps.firstIndex(where: { $0.name == step.name }) { steps[index] = step } else { steps.append(step) }
            }
        }
        let quiet = try arguments.bool("no-output")
        if try arguments.bool("dry-run") {
            let listed: [JSONValue] = steps.map { step in
                [
                    "name": .string(step.name), "type": "script", "file": .string(step.file),
                    "configuration": .object(JSONObject(step.configuration.map { ($0.0, .string($0.1)) })),
                    "output": .array(step.outputs.map { ["name": .string($0), "type": "environment"] }),
                ]
            }
            Output.line(JSONWriter.string(["steps": .array(listed)], pretty: true))
            return
        }
        for step in steps {
            if !quiet { Output.line("Running step '\(step.name)': \(step.file)") }
            var stepEnvironment = environment
            for (name, value) in step.configuration { stepEnvironment[name] = value }
            let produced = try await execute(step, environment: stepEnvironment)
            for (name, value) in produced { environment[name] = value }
        }
    }

    /// Runs one step's script to its end, its output passed through, and returns its `output` variables. Shell
    /// scripts are sourced by bash, whose exit trap records the variables (exported or not) however the script ends.
    private static func execute(_ step: Step, environment: [String: String]) async throws -> [(String, String)] {
        guard FileManager.default.fileExists(atPath: step.file) else {
            throw NPFailure.failed("step '\(step.name)': \(step.file) does not exist")
        }
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("np-step-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: outputFile) }
        var environment = environment
        environment["__NP_STEP_OUTPUTS"] = step.outputs.joined(separator: " ")
        environment["__NP_STEP_OUTPUT_FILE"] = outputFile
        let recorder = """
            trap '__np_status=$?; for __np_name in $__NP_STEP_OUTPUTS; do if [ -n "${!__np_name+x}" ]; then printf "%s\\0%s\\0" "$__np_name" "${!__np_name}"; fi; done > "$__NP_STEP_OUTPUT_FILE"; exit $__np_status' EXIT
            . "$0"
            """
        let (executable, stepArguments) = isShellScript(step.file) ? ("/bin/bash", ["-c", recorder, step.file]) : (step.file, [])
        let process: SpawnedProcess
        do {
            process = try SpawnedProcess(
                executable: executable,
                arguments: stepArguments,
                environment: environment,
                standardError: .separate,
                ownGroup: false
            )
        } catch {
            throw NPFailure.failed("step '\(step.name)': cannot run \(step.file): \(error)")
        }
        async let out: Void = ServiceActionExec.forward(process.output, to: .standardOutput, echo: true, reporter: nil, level: "info")
        async let err: Void = ServiceActionExec.forward(process.errors, to: .standardError, echo: true, reporter: nil, level: "error")
        _ = await (out, err)
        let code = await process.exitStatus
        guard code == 0 else {
            NPOutput.error("step '\(step.name)' failed with exit code \(code)")
            throw NPFailure.exit(code)
        }
        guard let recorded = FileManager.default.contents(atPath: outputFile) else { return [] }
        let fields = recorded.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        return stride(from: 0, to: fields.count - 1, by: 2).map { (fields[$0], fields[$0 + 1]) }
    }

    /// A file without a `#!` line, or whose `#!` names a shell, is sourced by bash; anything else runs as itself.
    private static func isShellScript(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return true }
        defer { try? handle.close() }
        let head = String(decoding: handle.readData(ofLength: 128), as: UTF8.self)
        guard head.hasPrefix("#!") else { return true }
        let line = head.prefix { $0 != "\n" }
        return line.hasSuffix("sh") || line.contains("bash") || line.hasSuffix("/sh")
    }

    /// The steps of a workflow file, with `$VAR` expanded in files and configuration values.
    static func load(_ path: String, environment: [String: String]) throws -> [Step] {
        let document: JSONValue
        do { document = try DocumentFile.parse(file: path, kind: "workflow") } catch let error as APIError {
            throw NPFailure.usage(error.message)
        }
        guard let steps = document["steps"]?.arrayValue else { throw NPFailure.usage("workflow \(path) has no steps: list") }
        return try steps.enumerated().map { index, step in
            let name = step["name"]?.stringValue ?? "step \(index + 1)"
            let type = step["type"]?.stringValue ?? "script"
            guard type == "script" else { throw NPFailure.usage("workflow \(path), step '\(name)': type '\(type)' is not supported (script is)") }
            guard let file = step["file"]?.stringValue else { throw NPFailure.usage("workflow \(path), step '\(name)' has no file") }
            let configuration = (step["configuration"]?.objectValue ?? JSONObject()).map { key, value in
                (key, expand(value.displayText ?? JSONWriter.string(value), environment))
            }
            let outputs = (step["output"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            return Step(name: name, file: expand(file, environment), configuration: configuration, outputs: outputs)
        }
    }

    /// `$NAME` and `${NAME}` replaced by their values (empty when unset), as the workflow engine expands paths.
    static func expand(_ text: String, _ environment: [String: String]) -> String {
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            var after = rest[rest.index(after: dollar)...]
            let braced = after.first == "{"
            if braced { after = after.dropFirst() }
            let name = after.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            guard !name.isEmpty, !braced || after.dropFirst(name.count).first == "}" else {
                result.append("$")
                rest = rest[rest.index(after: dollar)...]
                continue
            }
            result += environment[String(name)] ?? ""
            rest = after.dropFirst(name.count + (braced ? 1 : 0))
        }
        return result + rest
    }

    /// The notification with what `--build-context` adds: providers by category and, with `--include-secrets`,
    /// secret attributes.
    static func buildContext(_ context: ActionContext, _ arguments: NPArguments, environment: [String: String]) async throws -> JSONObject {
        var notification = context.notification
        let session = try await NPSession.open(arguments)
        var categories = (arguments.flags["provider-categories"] ?? "").split(separator: ",").map(String.init)
        if categories.isEmpty, let values = environment["VALUES"], let document = try? DocumentFile.parse(file: values, kind: "values") {
            categories = (document["provider_categories"]?.arrayValue ?? []).compactMap(\.stringValue)
        }
        let nrn = notification["service"]?["nrn"]?.stringValue ?? notification["entity_nrn"]?.stringValue
        if !categories.isEmpty, let nrn {
            var providers = JSONObject()
            for category in categories {
                let found = try await ProviderList.resolve(session, nrn: nrn, categories: [category], dimensions: nil)
                providers[category] = found.first?["attributes"] ?? .null
            }
            notification["providers"] = .object(providers)
        }
        if try arguments.bool("include-secrets") {
            for (field, id) in [("service", context.serviceId), ("link", context.linkId)] {
                guard let id, case .object(var entity)? = notification[field] else { continue }
                entity["attributes"] =
                    try await session.call("GET", "/\(field)/\(id)?include_secret_attributes=true")["attributes"] ?? entity["attributes"]
                notification[field] = .object(entity)
            }
        }
        return notification
    }
}
