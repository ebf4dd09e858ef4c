import ArgumentParser
import Foundation
import NPSimCore
import NPSimDelivery

/// `np`: the runner-facing part of nullplatform's CLI, against npsim. The `npsim` binary runs it when invoked as
/// `np` (npsim links itself as `np` for the processes it starts) or as `npsim np ...`.
enum NPCommandLine {
    /// A command: its words, the flags it takes (beyond the global ones) and which of those are boolean.
    struct Command: Sendable {
        let words: [String]
        let flags: [String]
        let booleans: Set<String>
        let run: @Sendable (NPArguments) async throws -> Void

        init(_ words: String, flags: [String], booleans: Set<String> = [], run: @escaping @Sendable (NPArguments) async throws -> Void) {
            self.words = words.split(separator: " ").map(String.init)
            self.flags = flags
            self.booleans = booleans
            self.run = run
        }
    }

    /// Flags every command takes.
    static let globalFlags = ["api-key", "access-token", "format", "no-output", "help"]
    static let globalBooleans: Set<String> = ["no-output", "help"]

    static let commands: [Command] =
        RESTCommand.all.map { rest in Command(rest.words.joined(separator: " "), flags: rest.flags, booleans: Set(rest.booleans), run: rest.run) } + [
            Command("service-action exec", flags: ServiceActionExec.flags, booleans: ServiceActionExec.booleans, run: ServiceActionExec.run),
            Command("service-action export-action-data", flags: ["debug", "notification", "format", "bash-prefix"], booleans: ["debug"]) {
                arguments in
                try exportActionData(arguments)
            },
            Command(
                "service-action get-exec-path",
                flags: ["base-path", "debug", "lookup-by", "notification", "script"],
                booleans: ["debug", "script"]
            ) {
                arguments in
                Output.line(try ServiceActionExec.conventionalPath(try ActionContext.load(arguments), basePath: arguments.flags["base-path"]))
            },
            Command("service-action get-exec-script", flags: ["base-path", "debug", "notification", "script"], booleans: ["debug"]) { arguments in
                let path =
                    try arguments.flags["script"]
                    ?? ServiceActionExec.conventionalPath(try ActionContext.load(arguments), basePath: arguments.flags["base-path"])
                guard let data = FileManager.default.contents(atPath: path) else { throw NPFailure.failed("cannot read the action's script \(path)") }
                FileHandle.standardOutput.write(data)
            },
            Command("service workflow exec", flags: WorkflowExec.flags, booleans: WorkflowExec.booleans, run: WorkflowExec.run),
            Command(
                "service workflow build-context",
                flags: ["include-secrets", "notification", "provider-categories"],
                booleans: ["include-secrets"]
            ) {
                arguments in
                let context = try ActionContext.load(arguments)
                let environment = ProcessInfo.processInfo.environment
                try NPOutput.print(.object(try await WorkflowExec.buildContext(context, arguments, environment: environment)), arguments)
            },
            Command(
                "service action update",
                flags: ActionUpdate(entity: "service").flags + ["notification"],
                run: ActionUpdate(entity: "service").run
            ),
            Command("link action update", flags: ActionUpdate(entity: "link").flags + ["notification"], run: ActionUpdate(entity: "link").run),
            Command("provider list", flags: ProviderList.flags, booleans: ProviderList.booleans, run: ProviderList.run),
            Command("link specification action specification read", flags: ["id", "linkSpecificationId", "include"]) { arguments in
                try await linkActionSpecification("GET", arguments)
            },
            Command("link specification action specification patch", flags: ["id", "linkSpecificationId", "body"]) { arguments in
                try await linkActionSpecification("PATCH", arguments)
            },
            Command("link specification action specification delete", flags: ["id", "linkSpecificationId"]) { arguments in
                try await linkActionSpecification("DELETE", arguments)
            },
            Command("token create", flags: ["body"]) { arguments in
                let body = try RESTCommand.body(try arguments.required("body"))
                let reply = try await NPSimClient.connect(url: NPSession.url(), apiKey: nil).send("POST", "/token", body)
                guard reply.status == 200 else { throw NPFailure.failed("POST /token answered \(reply.status): \(reply.message)") }
                try NPOutput.print(reply.json, arguments)
            },
        ]

    /// Runs `arguments` (after `np`) and returns the exit code.
    static func run(_ arguments: [String]) async -> Int32 {
        do {
            try await dispatch(arguments)
            return 0
        } catch let failure as NPFailure {
            if case .exit = failure {} else { NPOutput.error("Error: \(failure.description)") }
            return failure.exitCode
        } catch {
            NPOutput.error("Error: \(error)")
            return 1
        }
    }

    private static func dispatch(_ arguments: [String]) async throws {
        let words = NPArguments.words(of: arguments)
        if words.isEmpty, arguments.contains("--version") {
            Output.line("np (npsim \(NPSim.configuration.version))")
            return
        }
        guard let command = commands.filter({ words.starts(with: $0.words) }).max(by: { $0.words.count < $1.words.count }),
            command.words.count == words.count
        else {
            if words.isEmpty || arguments.contains("--help") || words == ["help"] {
                Output.line(usage(matching: words.filter { $0 != "help" }))
                return
            }
            throw NPFailure.usage(
                "'np \(words.joined(separator: " "))' is not a command npsim's np has; it serves the commands runners call (np --help lists them, docs/runners.md explains them)"
            )
        }
        let parsed = try NPArguments.parse(arguments, wordCount: command.words.count, booleans: command.booleans.union(globalBooleans))
        if try parsed.bool("help") {
            Output.line("np \(command.words.joined(separator: " ")) " + (command.flags + globalFlags).map { "[--\($0)]" }.joined(separator: " "))
            return
        }
        let known = Set(command.flags + globalFlags)
        if let unknown = parsed.flags.keys.sorted().first(where: { !known.contains($0) }) {
            throw NPFailure.usage(
                "unknown flag --\(unknown) for 'np \(command.words.joined(separator: " "))'; it takes \(command.flags.map { "--\($0)" }.joined(separator: ", "))"
            )
        }
        try await command.run(parsed)
    }

    private static func usage(matching prefix: [String]) -> String {
        let lines = commands.filter { $0.words.starts(with: prefix) }.map { "  np " + $0.words.joined(separator: " ") }
        return "npsim's np: the nullplatform CLI commands runners call, served by npsim (NP_API_URL).\n\nCommands:\n" + lines.joined(separator: "\n")
    }

    /// The link specification action specification commands take only `--id` in nullplatform's CLI: the link
    /// specification it belongs to is looked up when `--linkSpecificationId` is not given.
    private static func linkActionSpecification(_ method: String, _ arguments: NPArguments) async throws {
        let id = try arguments.required("id")
        let body = method == "PATCH" ? try RESTCommand.body(try arguments.required("body")) : nil
        let session = try await NPSession.open(arguments)
        let parent: String
        if let given = arguments.flags["linkSpecificationId"] {
            parent = given
        } else {
            guard let found = try await session.call("GET", "/action_specification/\(id)")["link_specification_id"]?.stringValue else {
                throw NPFailure.failed("action specification \(id) does not belong to a link specification")
            }
            parent = found
        }
        try NPOutput.print(try await session.call(method, "/link_specification/\(parent)/action_specification/\(id)", body), arguments)
    }

    /// `np service-action export-action-data`: the action context as `ACTION_*` variables, as shell `export` lines
    /// (`--format bash`, the default) or as a JSON object.
    private static func exportActionData(_ arguments: NPArguments) throws {
        let context = try ActionContext.load(arguments)
        let variables = context.variables(prefix: arguments.flags["bash-prefix"] ?? "ACTION")
        switch arguments.flags["format"] ?? "bash" {
        case "bash": Output.line(variables.map { "export \($0.name)=\(ChildProcess.quoted($0.value))" }.joined(separator: "\n"))
        case "json": Output.line(JSONWriter.string(.object(JSONObject(variables.map { ($0.name, .string($0.value)) })), pretty: true))
        case let other: throw NPFailure.usage("--format \(other) is not supported here; use bash or json")
        }
    }
}

/// `npsim np ...`: the same as running npsim's `np` link.
struct NPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "np",
        abstract: "Run a command of nullplatform's CLI (np) against npsim, as runners do (see docs/runners.md).",
        discussion:
            "Processes npsim starts find this as `np` first on their PATH. The server is NP_API_URL, the key NULLPLATFORM_API_KEY or NP_API_KEY."
    )

    @Argument(parsing: .captureForPassthrough, help: "The np command and its flags, e.g. service read --id <id> --format json.")
    var arguments: [String] = []

    func run() async throws {
        let code = await NPCommandLine.run(arguments)
        if code != 0 { throw ExitCode(code) }
    }
}
