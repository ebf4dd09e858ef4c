import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NPSimCore

/// A running npsim, as the client commands, the demo and `npsim apply` talk to it: JSON over HTTP with a bearer
/// token obtained once from the API key. Every failure becomes a message that says what to do next.
struct NPSimClient: Sendable {
    let url: String
    private let token: String?

    /// A client that reports a refused connection at once: the shared one keeps retrying until the deadline.
    private static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// A client that sends `token` as it is (a bearer token obtained elsewhere, such as `NP_TOKEN`).
    static func authorized(url: String, token: String) -> NPSimClient {
        NPSimClient(url: url, token: token)
    }

    /// A client without a token, for the open routes (health, readiness) and `--no-auth` servers.
    static func anonymous(url: String) -> NPSimClient {
        NPSimClient(url: url, token: nil)
    }

    /// Connects: exchanges `apiKey` for a token, or goes without one when no key is given (a `--no-auth` server).
    static func connect(url: String, apiKey: String?) async throws -> NPSimClient {
        let anonymous = Self.anonymous(url: url)
        guard let apiKey, !apiKey.isEmpty else { return anonymous }
        let reply = try await anonymous.send("POST", "/token", ["apikey": .string(apiKey)])
        guard reply.status == 200, let token = reply.json["access_token"]?.stringValue else {
            throw CommandFailure("npsim at \(url) refused the API key (\(reply.status)): \(reply.message)")
        }
        return NPSimClient(url: url, token: token)
    }

    /// `path` with a query string of the `query` pairs that have a value, escaped.
    static func path(_ path: String, _ query: KeyValuePairs<String, String?>) -> String {
        let pairs = query.compactMap { name, value in value.map { (name, $0) } }
        return pairs.isEmpty ? path : path + "?" + FormEncoding.encode(pairs)
    }

    /// Sends a request and returns the JSON of a 2xx answer; any other answer is an error naming npsim's message.
    @discardableResult
    func call(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        let reply = try await send(method, path, body)
        switch reply.status {
        case 200..<300: return reply.json
        case 401:
            throw CommandFailure(
                "npsim at \(url) wants a token: pass --api-key or set NPSIM_API_KEY (npsim serve prints its key when it starts)"
            )
        default: throw CommandFailure("\(method) \(path) failed (\(reply.status)): \(reply.message)")
        }
    }

    /// Sends a request and returns its status, its JSON (or text) and the message an error answer carries.
    func send(
        _ method: String,
        _ path: String,
        _ body: JSONValue?,
        timeout: TimeAmount = .seconds(60)
    ) async throws -> (status: Int, json: JSONValue, message: String) {
        let (status, bytes) = try await exchange(
            method,
            path,
            body: body.map { JSONWriter.bytes($0) },
            contentType: "application/json",
            timeout: timeout
        )
        let json = bytes.readableBytes == 0 ? JSONValue.null : (try? JSONParser.parse(bytes.readableBytesView)) ?? .string(String(buffer: bytes))
        let message = json["message"]?.stringValue ?? JSONWriter.string(json)
        return (status, json, message)
    }

    /// A consistent copy of npsim's database (`GET /_npsim/snapshot`), an SQLite file's bytes.
    func snapshot() async throws -> ByteBuffer {
        let (status, bytes) = try await exchange("GET", "/_npsim/snapshot", body: nil, contentType: "application/json", timeout: .minutes(5))
        guard status == 200 else { throw CommandFailure("GET /_npsim/snapshot failed (\(status)): \(String(buffer: bytes))") }
        return bytes
    }

    /// Sends bytes (a snapshot) or nothing, and returns the status and the bytes of the answer, at most 1 GiB.
    func exchange(
        _ method: String,
        _ path: String,
        body: [UInt8]?,
        contentType: String,
        timeout: TimeAmount = .seconds(60)
    ) async throws -> (status: Int, bytes: ByteBuffer) {
        var request = HTTPClientRequest(url: url + path)
        request.method = .init(rawValue: method)
        request.headers.add(name: "Content-Type", value: contentType)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await Self.http.execute(request, timeout: timeout)
            return (Int(response.status.code), try await response.body.collect(upTo: 1 << 30))
        } catch {
            throw CommandFailure("cannot reach npsim at \(url) (\(error)); start it with 'npsim serve', or pass --url / set NPSIM_URL")
        }
    }
}
