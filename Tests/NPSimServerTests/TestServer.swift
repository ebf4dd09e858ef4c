import CryptoExtras
import Foundation
import Hummingbird
import HummingbirdTesting
import NPSimCore
import NPSimDelivery
import NPSimServer
import NPSimStandIns
import Testing

/// A client for one npsim under test, speaking real HTTP over loopback to a live server.
struct APIClient: Sendable {
    let client: any TestClientProtocol
    var token: String?

    struct Reply: Sendable {
        let status: Int
        let json: JSONValue
        let headers: HTTPFields

        /// The `id` of the returned object, as a string (channel ids are integers).
        var id: String { json["id"]?.stringValue ?? json["id"]?.intValue.map(String.init) ?? "" }
    }

    @discardableResult
    func call(
        _ method: HTTPRequest.Method,
        _ path: String,
        _ body: JSONValue? = nil,
        rawBody: [UInt8]? = nil,
        headers extra: HTTPFields = [:],
        authenticated: Bool = true
    ) async throws -> Reply {
        var headers: HTTPFields = [.contentType: "application/json"]
        if authenticated, let token { headers[.authorization] = "Bearer \(token)" }
        headers.append(contentsOf: extra)
        let bytes = rawBody ?? body.map { JSONWriter.bytes($0) }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: bytes.map { ByteBuffer(bytes: $0) })
        let text = Array(response.body.readableBytesView)
        let json: JSONValue
        do {
            let isJSON = response.headers[.contentType]?.hasPrefix("application/json") ?? true
            json = text.isEmpty || !isJSON ? .null : try JSONParser.parse(text)
        } catch {
            Issue.record("\(method) \(path) answered a body that is not JSON: \(String(decoding: text, as: UTF8.self))")
            json = .null
        }
        return Reply(status: Int(response.status.code), json: json, headers: response.headers)
    }

    /// Calls and expects a status; a mismatch records the error body so a failing test says why.
    @discardableResult
    func expect(
        _ status: Int,
        _ method: HTTPRequest.Method,
        _ path: String,
        _ body: JSONValue? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        let reply = try await call(method, path, body)
        #expect(reply.status == status, "\(method) \(path) -> \(JSONWriter.string(reply.json))", sourceLocation: sourceLocation)
        return reply.json
    }
}

enum Fixtures {
    /// The repository's root: this file is `Tests/NPSimServerTests/TestServer.swift`.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = repositoryRoot.appendingPathComponent("fixtures").path
    static let apiKey = "npsim-test-key"
    static let appNRN = "organization=1:account=2:namespace=3:application=4"
    static let mysqlSpec = "6b1f3c2e-5a4d-4e7b-9c1a-0d2e3f4a5b6c"
    static let createMySQL = "0c6e2a1b-1111-4c3d-8e9f-a0b1c2d3e4f5"
    static let updateMySQL = "0c6e2a1b-2222-4c3d-8e9f-a0b1c2d3e4f5"
    static let deleteMySQL = "0c6e2a1b-3333-4c3d-8e9f-a0b1c2d3e4f5"
    static let getCredentials = "0c6e2a1b-4444-4c3d-8e9f-a0b1c2d3e4f5"
    static let connectMySQL = "7d2a4b6c-8e0f-4a1b-9c3d-5e7f9a1b3c5d"
    /// One GitHub App key for every test server: generating an RSA key per server would dominate test time.
    static let githubAppKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
}

/// Runs `test` against a live npsim on a free loopback port with an in-memory database, the fixtures loaded
/// and a bearer token already obtained.
func withServer(
    seeded: Bool = true,
    auth: Bool = true,
    databasePath: String? = nil,
    delivery: DeliveryPolicy = .forTests,
    providers: ProviderSettings = ProviderSettings(github: .init(privateKey: Fixtures.githubAppKey)),
    strictStandIns: Bool = false,
    checkouts: [String: String] = [:],
    act: String? = nil,
    runTimeout: Duration = .seconds(60),
    agent: AgentSettings = AgentSettings(timeout: .seconds(20)),
    _ test: @Sendable @escaping (APIClient) async throws -> Void
) async throws {
    let configuration = ServerConfiguration(
        host: "127.0.0.1",
        port: 0,
        databasePath: databasePath,
        seedPaths: seeded ? [Fixtures.directory] : [],
        apiKeys: [Fixtures.apiKey],
        authEnabled: auth,
        logLevel: .warning,
        delivery: delivery,
        providers: providers,
        strictStandIns: strictStandIns,
        localRuns: LocalRunSettings(checkouts: checkouts, act: act, timeout: runTimeout),
        agent: agent
    )
    let app = try await buildApplication(configuration: configuration)
    try await app.test(.live) { client in
        var api = APIClient(client: client, token: nil)
        if auth {
            let reply = try await api.call(.post, "/token", ["apikey": .string(Fixtures.apiKey)], authenticated: false)
            try #require(reply.status == 200, "token exchange failed: \(JSONWriter.string(reply.json))")
            api.token = reply.json["access_token"]?.stringValue
        }
        try await test(api)
    }
}

extension APIClient {
    /// Creates a MySQL service in the fixture application and returns its id.
    func createMySQL(name: String = "orders-db") async throws -> String {
        let json = try await expect(
            200,
            .post,
            "/service",
            [
                "name": .string(name), "specification_id": .string(Fixtures.mysqlSpec), "entity_nrn": .string(Fixtures.appNRN),
                "dimensions": ["environment": "development"],
            ]
        )
        return json["id"]?.stringValue ?? ""
    }

    /// Runs an action and returns its id.
    func runAction(on service: String, spec: String, parameters: JSONValue = [:], expecting status: Int = 200) async throws -> String {
        let json = try await expect(status, .post, "/service/\(service)/action", ["specification_id": .string(spec), "parameters": parameters])
        return json["id"]?.stringValue ?? ""
    }
}

extension DeliveryPolicy {
    /// Short timeouts and retries so that delivery tests finish in well under a second each.
    static let forTests = DeliveryPolicy(
        timeout: .seconds(2),
        retrySchedule: [.milliseconds(50), .milliseconds(100)],
        jitter: 0,
        pollInterval: .milliseconds(20)
    )
}

/// Polls `condition` until it holds or the deadline passes: tests wait for asynchronous delivery this way,
/// never with a fixed sleep.
func eventually(
    within deadline: Duration = .seconds(10),
    _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let end = ContinuousClock.now + deadline
    while ContinuousClock.now < end {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("timed out after \(deadline) waiting until \(what)", sourceLocation: sourceLocation)
    throw TestFailure("timed out waiting until \(what)")
}
