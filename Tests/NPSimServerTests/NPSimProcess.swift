import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NPSimCore
import NPSimDelivery
import Testing

/// The real `npsim` executable, run as a child process on a free loopback port.
///
/// End-to-end tests drive it over HTTP exactly as a user would. The binary is the one `swift build` made
/// (`.build/debug/npsim`), or `NPSIM_BINARY`.
final class NPSimProcess: Sendable {
    let process: Process
    let url: String
    let apiKey: String

    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["NPSIM_BINARY"] { return path }
        return Fixtures.repositoryRoot.appendingPathComponent(".build/debug/npsim").path
    }

    /// Starts npsim and waits (with a deadline, not a sleep) until it prints the URL it listens on.
    /// - Parameter passKey: pass `apiKey` as `--api-key`; turn off when the key comes from a config file.
    init(
        arguments: [String],
        apiKey: String = "e2e-key",
        passKey: Bool = true,
        environment: [String: String] = [:],
        directory: String? = nil,
        standardError: FileHandle = .nullDevice,
        deadline: Duration = .seconds(30)
    ) async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw TestFailure(
                "npsim binary not found at \(Self.binary): build it with 'swift build' (the README's test command does) or set NPSIM_BINARY"
            )
        }
        let arguments = ["serve", "--port", "0", "--log-level", "warning"] + (passKey ? ["--api-key", apiKey] : []) + arguments
        (process, url) = try await launchServer(
            executable: Self.binary,
            arguments: arguments,
            environment: environment,
            directory: directory,
            standardError: standardError,
            deadline: deadline
        )
        self.apiKey = apiKey
    }

    /// A server started some other way (an image's entrypoint), driven through the same calls.
    init(attaching process: Process, url: String, apiKey: String) {
        (self.process, self.url, self.apiKey) = (process, url, apiKey)
    }

    /// Sends a signal and waits for the process to exit; returns its exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) async throws -> Int32 {
        kill(process.processIdentifier, signal)
        let deadline = ContinuousClock.now + .seconds(20)
        while process.isRunning {
            guard ContinuousClock.now < deadline else { throw TestFailure("npsim did not exit within 20 s of signal \(signal)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    /// One HTTP request to the process; `client` is ``client`` unless a test sends many requests at once.
    func call(
        _ method: HTTPMethod,
        _ path: String,
        _ body: JSONValue? = nil,
        token: String? = nil,
        via client: HTTPClient = NPSimProcess.client
    ) async throws -> (status: Int, json: JSONValue) {
        try await jsonExchange(client, method, url + path, body, token: token)
    }

    /// A client that fails at once on a refused connection: the shared client retries connecting until the
    /// request's deadline, which would turn every request to a killed server into a 30-second wait.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(2)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// A client for a test that sends hundreds of requests at once: one connection each, as that many clients would
    /// open, instead of queueing them behind the shared client's few connections (where, on a machine busy with the
    /// rest of the suite, the last would run out their deadline before npsim even saw them).
    static let concurrentClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 256
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    func token() async throws -> String {
        let reply = try await call(.POST, "/token", ["apikey": .string(apiKey)])
        guard let token = reply.json["access_token"]?.stringValue else { throw TestFailure("no token: \(JSONWriter.string(reply.json))") }
        return token
    }
}

extension Process {
    /// Stops a test's helper process (a runner, a receiver) for sure: Foundation starts children with the test's
    /// blocked signal mask, so SIGTERM may never reach them.
    func forceStop() {
        if isRunning { kill(processIdentifier, SIGKILL) }
    }
}

/// One JSON request as nullplatform's clients send it, and its answer parsed (`null` for an empty body).
func jsonExchange(
    _ client: HTTPClient,
    _ method: HTTPMethod,
    _ url: String,
    _ body: JSONValue?,
    token: String?
) async throws -> (status: Int, json: JSONValue) {
    var request = HTTPClientRequest(url: url)
    request.method = method
    request.headers.add(name: "Content-Type", value: "application/json")
    if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
    if let body { request.body = .bytes(ByteBuffer(bytes: JSONWriter.bytes(body))) }
    let response = try await client.execute(request, timeout: .seconds(30))
    let bytes = try await response.body.collect(upTo: 16 << 20)
    return (Int(response.status.code), bytes.readableBytes == 0 ? .null : try JSONParser.parse(bytes.readableBytesView))
}

/// The first of `names` that is an executable in a directory of `PATH`, as a shell would find it.
func executableOnPath(_ names: String...) -> String? {
    let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    for name in names {
        for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
    }
    return nil
}

/// A new empty directory under the system's temporary one, for a test's database, scripts or certificates.
func scratchDirectory(_ prefix: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Starts a child process that prints `listening on http://HOST:PORT...` when ready, and waits for that line
/// (with a deadline, not a sleep). Returns the process and the URL it printed.
func launchServer(
    executable: String,
    arguments: [String],
    environment: [String: String] = [:],
    directory: String? = nil,
    standardError: FileHandle = .nullDevice,
    deadline: Duration = .seconds(30)
) async throws -> (Process, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = standardError
    let (chunks, _) = output.fileHandleForReading.chunks()
    try process.run()
    let url = try await withThrowingTaskGroup(of: String?.self) { group in
        group.addTask {
            var text = ""
            for await chunk in chunks {
                text += String(decoding: chunk, as: UTF8.self)
                if let range = text.range(of: #"listening on (http://[0-9.:]+)"#, options: .regularExpression) {
                    return String(text[range].dropFirst("listening on ".count))
                }
            }
            return nil
        }
        group.addTask {
            try await Task.sleep(for: deadline)
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        return first
    }
    guard let url else {
        process.terminate()
        throw TestFailure("\(URL(fileURLWithPath: executable).lastPathComponent) did not report its URL within \(deadline)")
    }
    return (process, url)
}

extension NPSimProcess {
    /// Registers a channel of `type` for the MySQL services of the fixture account, as the example runners need.
    func addMySQLChannel(type: String, configuration: JSONValue, token: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let channel = try await call(
            .POST,
            "/notification/channel",
            [
                "nrn": "organization=1:account=2", "type": .string(type), "source": ["service"], "configuration": configuration,
                "filters": ["service.specification.slug": "mysql"],
            ],
            token: token
        )
        #expect(channel.status == 200, "\(JSONWriter.string(channel.json))", sourceLocation: sourceLocation)
    }

    /// An `http` channel for the whole organization to `url` and a MySQL service in the fixture application, as a
    /// test that sends actions to a receiver starts; returns the service's id.
    func addWebhookAndMySQLService(named name: String, url: String, token: String) async throws -> String {
        let channel = try await call(
            .POST,
            "/notification/channel",
            ["nrn": "organization=1", "type": "http", "configuration": ["url": .string(url)]],
            token: token
        )
        #expect(channel.status == 200, "\(JSONWriter.string(channel.json))")
        return try #require(
            try await call(
                .POST,
                "/service",
                ["name": .string(name), "specification_id": .string(Fixtures.mysqlSpec), "entity_nrn": .string(Fixtures.appNRN)],
                token: token
            ).json["id"]?.stringValue
        )
    }

    /// A MySQL service in the fixture application; an `active` one can run custom actions at once. Returns its id.
    func createMySQLService(named name: String, active: Bool = false, token: String) async throws -> String {
        var body: JSONObject = [
            "name": .string(name), "specification_id": .string(Fixtures.mysqlSpec), "entity_nrn": .string(Fixtures.appNRN),
            "dimensions": ["environment": "dev"],
        ]
        if active { body["status"] = "active" }
        let reply = try await call(.POST, "/service", .object(body), token: token)
        return try #require(reply.json["id"]?.stringValue, "\(JSONWriter.string(reply.json))")
    }

    /// Runs the action of specification `specification` on a service.
    func runAction(on service: String, _ specification: String, parameters: JSONValue, token: String) async throws -> (status: Int, json: JSONValue) {
        try await call(
            .POST,
            "/service/\(service)/action",
            ["specification_id": .string(specification), "parameters": parameters],
            token: token
        )
    }

    /// An `agent` channel's configuration that runs `cmdline` with `environment`.
    static func agentCommand(_ cmdline: String, environment: JSONValue, selector: JSONValue? = nil) -> JSONValue {
        var configuration: JSONObject = ["command": ["type": "exec", "data": ["cmdline": .string(cmdline), "environment": environment]]]
        if let selector { configuration["selector"] = selector }
        return .object(configuration)
    }
}
