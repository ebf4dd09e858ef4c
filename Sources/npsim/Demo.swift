import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NPSimCore
import NPSimDelivery
import NPSimServer
import ServiceLifecycle

/// `npsim demo`: the whole loop in one command. Starts npsim with the fixtures, starts the example webhook runner,
/// runs Create MySQL and Get Credentials while showing what happens, then keeps serving until Ctrl-C.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start npsim with the fixtures and an example runner, and run the MySQL loop."
    )

    @Option(help: "Port to listen on; 0 picks a free one.")
    var port = 4466

    @Option(help: "The fixtures directory (with runners/webhook/runner.py).")
    var fixtures = "fixtures"

    @Flag(help: "Stop once the loop has run instead of serving until Ctrl-C.")
    var exitWhenDone = false

    func run() async throws {
        let runnerScript = "\(fixtures)/runners/webhook/runner.py"
        guard FileManager.default.fileExists(atPath: runnerScript) else {
            throw ValidationError("cannot find \(runnerScript); run npsim demo from the repository root or pass --fixtures")
        }
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, format: .text, logLevel: .warning) }
        let apiKey = "npsim-demo"
        let configuration = ServerConfiguration(
            port: port,
            databasePath: nil,
            seedPaths: [fixtures],
            apiKeys: [apiKey],
            logLevel: .warning
        )
        let (ready, readyContinuation) = AsyncStream.makeStream(of: String.self)
        let app = try await buildApplication(configuration: configuration) { banner in
            readyContinuation.yield(banner.url)
            readyContinuation.finish()
        }
        let services = serverServiceGroup(running: app, logger: Logger(label: "npsim-demo"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            var iterator = ready.makeAsyncIterator()
            guard let url = await iterator.next() else { return }
            // The runner is stopped on every way out: the loop failing, --exit-when-done, Ctrl-C or SIGTERM.
            let runner = try DemoRunner.start(script: runnerScript, apiURL: url, apiKey: apiKey)
            do {
                try await DemoScript(url: url, apiKey: apiKey).run(runnerURL: try await DemoRunner.url(of: runner))
                if exitWhenDone { await services.triggerGracefulShutdown() }
                try await group.next()
            } catch {
                await runner.stop(grace: .seconds(5))
                throw error
            }
            await runner.stop(grace: .seconds(5))
        }
    }
}

/// The example webhook runner as a child process.
enum DemoRunner {
    static func start(script: String, apiURL: String, apiKey: String) throws -> SpawnedProcess {
        try SpawnedProcess(
            executable: "python3",
            arguments: [script],
            environment: ProcessInfo.processInfo.environment.merging(
                ["NP_API_URL": apiURL, "NP_API_KEY": apiKey, "PORT": "0", "STATE_DIR": NSTemporaryDirectory() + "npsim-demo-state"]) { $1 },
            standardError: .discarded
        )
    }

    /// Reads the runner's first line, `runner listening on http://...`, without blocking a thread.
    static func url(of process: SpawnedProcess) async throws -> String {
        var text = ""
        for await chunk in process.output {
            text += String(decoding: chunk, as: UTF8.self)
            if let range = text.range(of: #"http://[0-9.:]+/hook"#, options: .regularExpression) { return String(text[range]) }
        }
        throw CommandFailure("the example runner did not start; is python3 installed?")
    }
}

/// The steps of the demo, over HTTP as any client would make them.
struct DemoScript {
    let url: String
    let apiKey: String

    func run(runnerURL: String) async throws {
        let say = Output.line
        say("npsim demo: npsim on \(url), the example webhook runner on \(runnerURL)")
        let api = try await NPSimClient.connect(url: url, apiKey: apiKey)
        let channel = try await api.call(
            "POST",
            "/notification/channel",
            [
                "nrn": "organization=1:account=2", "type": "http", "description": "example webhook runner",
                "configuration": ["url": .string(runnerURL)], "filters": ["service.specification.slug": "mysql"],
            ]
        )
        say("1. registered http channel \(channel["id"]?.intValue ?? 0) -> \(runnerURL)")
        let service = try await api.call(
            "POST",
            "/service",
            [
                "name": "demo-db", "specification_id": "6b1f3c2e-5a4d-4e7b-9c1a-0d2e3f4a5b6c",
                "entity_nrn": "organization=1:account=2:namespace=3:application=4", "dimensions": ["environment": "dev"],
            ]
        )
        let serviceId = service["id"]?.stringValue ?? ""
        say("2. created service demo-db (\(serviceId)): \(service["status"]?.stringValue ?? "?")")
        for (step, name, specification, parameters) in [
            (3, "Create MySQL", "0c6e2a1b-1111-4c3d-8e9f-a0b1c2d3e4f5", ["version": "8.4", "size": "small"] as JSONValue),
            (4, "Get Credentials", "0c6e2a1b-4444-4c3d-8e9f-a0b1c2d3e4f5", ["ttl_minutes": 30]),
        ] {
            let action = try await api.call(
                "POST",
                "/service/\(serviceId)/action",
                ["specification_id": .string(specification), "parameters": parameters]
            )
            say("\(step). ran \(name); the runner reports back:")
            let done = try await ActionProgress(
                api: api,
                path: "/service/\(serviceId)/action/\(action["id"]?.stringValue ?? "")",
                timeout: .seconds(30),
                say: say
            ).wait()
            say("   results: \(JSONWriter.string(done["results"] ?? [:]))")
        }
        let active = try await api.call("GET", "/service/\(serviceId)")
        say("   service \(active["status"]?.stringValue ?? "?"), attributes: \(JSONWriter.string(active["attributes"] ?? [:]))")
        say(
            """
            demo complete. Look around (export NPSIM_URL=\(url) NPSIM_API_KEY=\(apiKey)):
              npsim service show \(serviceId)       the service and its actions
              npsim notification list             the two notifications, as the runner received them
              npsim delivery list                 each delivery; 'npsim delivery show ID' for its attempts
              \(url)/_npsim/openapi.json          every route
            Ctrl-C stops npsim and the runner.
            """
        )
    }
}
