import Foundation
import NPSimCore

/// The connection of one `np` command to npsim, set up as nullplatform's CLI sets up its own: the key from
/// `--api-key`, `NULLPLATFORM_API_KEY` or `NP_API_KEY` (a bearer token from `--access-token` or `NP_TOKEN` comes
/// first), the server from `NP_API_URL`, which npsim sets for every process it starts.
struct NPSession {
    let client: NPSimClient

    static let defaultURL = "http://127.0.0.1:4466"

    /// The server: `NP_API_URL`, else `NPSIM_URL`, else npsim's default address.
    static func url(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        (environment["NP_API_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["NPSIM_URL"] ?? defaultURL).trimmingSuffix("/")
    }

    static func open(_ arguments: NPArguments, environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> NPSession {
        func value(_ flag: String, _ names: String...) -> String? {
            ([arguments.flags[flag]] + names.map { environment[$0] }).compactMap { $0 }.first { !$0.isEmpty }
        }
        let url = url(environment)
        if let token = value("access-token", "NP_TOKEN") {
            return NPSession(client: .authorized(url: url, token: token))
        }
        guard let key = value("api-key", "NULLPLATFORM_API_KEY", "NP_API_KEY") else {
            throw NPFailure.failed("please login first: set NULLPLATFORM_API_KEY (or NP_API_KEY, as agent channels pass it) or pass --api-key")
        }
        do {
            return NPSession(client: try await NPSimClient.connect(url: url, apiKey: key))
        } catch let failure as CommandFailure {
            throw NPFailure.failed("\(failure.description) (np talks to NP_API_URL=\(url))")
        }
    }

    /// Sends a call; an answer other than 2xx fails the command with the server's message.
    @discardableResult
    func call(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        let reply: (status: Int, json: JSONValue, message: String)
        do {
            reply = try await client.send(method, path, body)
        } catch let failure as CommandFailure {
            throw NPFailure.failed(failure.description)
        }
        guard (200..<300).contains(reply.status) else {
            throw NPFailure.failed("\(method) \(path) answered \(reply.status): \(reply.message)")
        }
        return reply.json
    }
}

/// How a command prints what it got: JSON, which is what runners parse (`--format json`); `--no-output` prints
/// nothing.
enum NPOutput {
    static func print(_ value: JSONValue, _ arguments: NPArguments) throws {
        if try arguments.bool("no-output") { return }
        let format = arguments.flags["format"] ?? "json"
        guard format == "json" else { throw NPFailure.usage("--format \(format) is not supported; npsim's np prints json") }
        Output.line(value == .null ? "{}" : JSONWriter.string(value, pretty: true))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
