import Foundation
import NPSimCore
import NPSimDelivery

/// `np service-action exec`: runs the handler of the action in `NP_ACTION_CONTEXT` and, as nullplatform's CLI
/// does, reports on it: the handler's output goes into the action's messages while it runs (`--live-report`), and
/// its exit code decides the action's status (`success` for 0, `failed` otherwise) unless
/// `--disable-auto-action-update` is given or the handler already set a final status itself. `np` exits with the
/// handler's code.
///
/// The handler is `--command` (run by `/bin/sh -c`), `--script`, or by convention
/// `<base-path>/<service specification slug>/<service|link>/<action slug>`. It sees `CONTEXT` (the notification)
/// and the notification flattened into `ACTION_*` variables.
enum ServiceActionExec {
    static let flags = [
        "base-path", "command", "debug", "disable-auto-action-update", "dry-run", "live-output", "live-report", "notification", "script",
    ]
    static let booleans: Set<String> = ["debug", "disable-auto-action-update", "dry-run", "live-output", "live-report"]

    /// The conventional handler path of `get-exec-path` and of `exec` without `--script`.
    static func conventionalPath(_ context: ActionContext, basePath: String?) throws -> String {
        guard let specification = context.notification["service"]?["specification"]?["slug"]?.stringValue,
            let action = context.notification["slug"]?.stringValue
        else { throw NPFailure.usage("the action context lacks service.specification.slug or the action's slug; pass --script") }
        let base = basePath ?? FileManager.default.currentDirectoryPath
        return [base, specification, context.isLink ? "link" : "service", action].joined(separator: "/")
    }

    /// The handler's environment: the caller's, plus `CONTEXT` and the `ACTION_*` variables.
    static func environment(_ context: ActionContext) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["CONTEXT"] = JSONWriter.string(.object(context.notification))
        for (name, value) in context.variables(prefix: "ACTION") { environment[name] = value }
        return environment
    }

    static func run(_ arguments: NPArguments) async throws {
        let context = try ActionContext.load(arguments)
        let (executable, handlerArguments): (String, [String])
        if let command = arguments.flags["command"] {
            (executable, handlerArguments) = ("/bin/sh", ["-c", command])
        } else {
            let script = try arguments.flags["script"] ?? conventionalPath(context, basePath: arguments.flags["base-path"])
            guard FileManager.default.fileExists(atPath: script) else { throw NPFailure.failed("the action's script \(script) does not exist") }
            (executable, handlerArguments) =
                FileManager.default.isExecutableFile(atPath: script) ? (script, []) : ("/bin/bash", [script])
        }
        if try arguments.bool("debug") {
            NPOutput.error("action context (base64): " + Data(JSONWriter.bytes(.object(context.notification))).base64EncodedString())
        }
        if try arguments.bool("dry-run") {
            Output.line(([executable] + handlerArguments).map(ChildProcess.quoted).joined(separator: " "))
            return
        }
        let autoUpdate = !(try arguments.bool("disable-auto-action-update"))
        let report = try arguments.bool("live-report")
        let session = autoUpdate || report ? try await NPSession.open(arguments) : nil
        let actionPath = try context.actionPath()
        if autoUpdate, let session, try await session.call("GET", actionPath)["status"]?.stringValue == "pending" {
            try await session.call("PATCH", actionPath, ["status": "in_progress"])
        }
        let process: SpawnedProcess
        do {
            process = try SpawnedProcess(
                executable: executable,
                arguments: handlerArguments,
                environment: environment(context),
                standardError: .separate,
                ownGroup: false
            )
        } catch {
            throw NPFailure.failed("cannot run the action's handler: \(error)")
        }
        let reporter = report ? session.map { LiveReport(session: $0, path: actionPath) } : nil
        let echo = try arguments.bool("live-output")
        async let outputDone: Void = forward(process.output, to: FileHandle.standardOutput, echo: echo, reporter: reporter, level: "info")
        async let errorsDone: Void = forward(process.errors, to: FileHandle.standardError, echo: echo, reporter: reporter, level: "error")
        _ = await (outputDone, errorsDone)
        let code = await process.exitStatus
        try await reporter?.flush()
        if autoUpdate, let session {
            let status = try await session.call("GET", actionPath)["status"]?.stringValue
            if status != "success", status != "failed" {
                var body: JSONObject = ["status": code == 0 ? "success" : "failed"]
                if code != 0 { body["messages"] = [["level": "error", "message": .string("the action's handler exited with \(code)")]] }
                try await session.call("PATCH", actionPath, .object(body))
            }
        }
        if code != 0 { throw NPFailure.exit(code) }
    }

    /// Passes a child's output on: echoed to `handle` when asked, and into the action's messages with a reporter.
    static func forward(_ stream: AsyncStream<Data>, to handle: FileHandle, echo: Bool, reporter: LiveReport?, level: String) async {
        for await chunk in stream {
            if echo { handle.write(chunk) }
            await reporter?.add(chunk, level: level)
        }
    }
}

/// The handler's output on its way into the action's messages: whole lines, sent at most once a second so a
/// chatty script does not become a flood of PATCHes.
actor LiveReport {
    let session: NPSession
    let path: String
    private var partial: [String: Data] = [:]
    private var lines: [JSONValue] = []
    private var lastSent = ContinuousClock.now

    init(session: NPSession, path: String) {
        self.session = session
        self.path = path
    }

    func add(_ chunk: Data, level: String) async {
        var pending = (partial[level] ?? Data()) + chunk
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
            if !line.isEmpty { lines.append(["level": .string(level), "message": .string(line)]) }
            pending = Data(pending[pending.index(after: newline)...])
        }
        partial[level] = pending
        if ContinuousClock.now - lastSent > .seconds(1) { try? await send() }
    }

    func flush() async throws {
        for (level, rest) in partial where !rest.isEmpty {
            lines.append(["level": .string(level), "message": .string(String(decoding: rest, as: UTF8.self))])
        }
        partial = [:]
        try await send()
    }

    private func send() async throws {
        lastSent = ContinuousClock.now
        guard !lines.isEmpty else { return }
        let batch = lines
        lines = []
        try await session.call("PATCH", path, ["messages": .array(batch)])
    }
}
