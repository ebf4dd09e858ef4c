import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NPSimCore
import NPSimServer
import ServiceLifecycle

/// `npsim demo`: the whole loop in one command. Starts npsim with the fixtures, starts the example webhook runner,
/// runs Create MySQL and Get Credentials while showing what happens, then keeps serving until Ctrl-C.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start npsim with the fixtures and an example runner, and run the MySQL loop.")

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
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
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
        let services = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "npsim-demo"))
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            var iterator = ready.makeAsyncIterator()
            guard let url = await iterator.next() else { return }
            let runner = try DemoRunner.start(script: runnerScript, apiURL: url, apiKey: apiKey)
            defer { runner.terminate() }
            try await DemoScript(url: url, apiKey: apiKey).run(runnerURL: try await DemoRunner.url(of: runner))
            if exitWhenDone { await services.triggerGracefulShutdown() }
            try await group.next()
        }
    }
}

/// The example webhook runner as a child process.
enum DemoRunner {
    static func start(script: String, apiURL: String, apiKey: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["NP_API_URL": apiURL, "NP_API_KEY": apiKey, "PORT": "0", "STATE_DIR": NSTemporaryDirectory() + "npsim-demo-state"]) { $1 }
        process.standardOutput = Pipe()
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Reads the runner's first line, `runner listening on http://...`, without blocking a thread.
    static func url(of process: Process) async throws -> String {
        guard let pipe = process.standardOutput as? Pipe else { throw ValidationError("the runner has no output pipe") }
        var text = ""
        for await chunk in pipe.fileHandleForReading.chunks().0 {
            text += String(decoding: chunk, as: UTF8.self)
            if let range = text.range(of: #"http://[0-9.:]+/hook"#, options: .regularExpression) { return String(text[range]) }
        }
        throw ValidationError("the example runner did not start; is python3 installed?")
    }
}

/// The steps of the demo, over HTTP as any client would make them.
struct DemoScript {
    let url: String
    let apiKey: String

    /// Writes a line at once: the demo's output is read while it runs, also through a pipe.
    private func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    func run(runnerURL: String) async throws {
        say("npsim demo: npsim on \(url), the example webhook runner on \(runnerURL)")
        let token = try await call("POST", "/token", ["apikey": .string(apiKey)], token: nil)["access_token"]?.stringValue ?? ""
        let channel = try await call(
            "POST",
            "/notification/channel",
            [
                "nrn": "organization=1:account=2", "type": "http", "description": "example webhook runner",
                "configuration": ["url": .string(runnerURL)], "filters": ["service.specification.slug": "mysql"],
            ],
            token: token
        )
        say("1. registered http channel \(channel["id"]?.intValue ?? 0) -> \(runnerURL)")
        let service = try await call(
            "POST",
            "/service",
            [
                "name": "demo-db", "specification_id": "6b1f3c2e-5a4d-4e7b-9c1a-0d2e3f4a5b6c",
                "entity_nrn": "organization=1:account=2:namespace=3:application=4", "dimensions": ["environment": "dev"],
            ],
            token: token
        )
        let serviceId = service["id"]?.stringValue ?? ""
        say("2. created service demo-db (\(serviceId)): \(service["status"]?.stringValue ?? "?")")
        _ = try await call(
            "POST",
            "/service/\(serviceId)/action",
            [
                "specification_id": "0c6e2a1b-1111-4c3d-8e9f-a0b1c2d3e4f5", "parameters": ["version": "8.4", "size": "small"],
            ],
            token: token
        )
        say("3. ran Create MySQL; the runner reports back:")
        let active = try await waitFor(token: token, path: "/service/\(serviceId)", field: "status", until: ["active", "failed"], label: "service")
        say("   attributes: \(JSONWriter.string(active["attributes"] ?? [:]))")
        let credentials = try await call(
            "POST",
            "/service/\(serviceId)/action",
            [
                "specification_id": "0c6e2a1b-4444-4c3d-8e9f-a0b1c2d3e4f5", "parameters": ["ttl_minutes": 30],
            ],
            token: token
        )
        say("4. ran Get Credentials:")
        let done = try await waitFor(
            token: token,
            path: "/service/\(serviceId)/action/\(credentials["id"]?.stringValue ?? "")",
            field: "status",
            until: ["success", "failed"],
            label: "action"
        )
        say("   results: \(JSONWriter.string(done["results"] ?? [:]))")
        say(
            """
            demo complete. Look around (token: curl -s -X POST \(url)/token -d '{"apikey":"\(apiKey)"}'):
              \(url)/notification                 the two notifications, as the runner received them
              \(url)/notification/{id}/result     each delivery and attempt
              \(url)/service/\(serviceId)?include_secret_attributes=true
              \(url)/_npsim/openapi.json          every route
            Ctrl-C stops npsim and the runner.
            """
        )
    }

    /// Polls a record every 100 ms (for at most 30 s), printing each change of `field`.
    private func waitFor(token: String, path: String, field: String, until final: Set<String>, label: String) async throws -> JSONValue {
        var last = ""
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let record = try await call("GET", path, nil, token: token)
            let value = record[field]?.stringValue ?? "?"
            if value != last {
                say("   \(label) \(value)")
                last = value
            }
            if final.contains(value) { return record }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ValidationError("the \(label) did not finish within 30 s; see \(url)/_npsim/deliveries")
    }

    private func call(_ method: String, _ path: String, _ body: JSONValue?, token: String?) async throws -> JSONValue {
        var request = HTTPClientRequest(url: url + path)
        request.method = .init(rawValue: method)
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body { request.body = .bytes(ByteBuffer(bytes: JSONWriter.bytes(body))) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let json = try JSONParser.parse(bytes.readableBytesView)
        guard response.status.code < 300 else {
            throw ValidationError("\(method) \(path) answered \(response.status.code): \(JSONWriter.string(json))")
        }
        return json
    }
}
