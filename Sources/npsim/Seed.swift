import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NPSimCore
import NPSimServer

/// `npsim seed DIR`: loads fixtures into a running server through `POST /_npsim/seed`.
struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load fixture files (JSON or YAML) into a running npsim.")

    @Argument(help: "Fixture directory or file.")
    var path: String

    @Option(help: "The server's URL [NPSIM_URL, default http://127.0.0.1:4466].")
    var url: String?

    func run() async throws {
        let fixtures = try FixtureLoader.load(directory: path)
        guard !fixtures.isEmpty else { throw ValidationError("no .json, .yaml or .yml files in '\(path)'") }
        let base = url ?? ProcessInfo.processInfo.environment["NPSIM_URL"] ?? "http://127.0.0.1:4466"
        var request = HTTPClientRequest(url: "\(base)/_npsim/seed")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: JSONWriter.bytes(.array(fixtures.map(\.document)))))
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw ValidationError("cannot reach npsim at \(base) (\(error)); start it with 'npsim serve' or pass --url")
        }
        let text = String(buffer: body)
        guard response.status.code == 200 else { throw ValidationError("npsim refused the fixtures (\(response.status.code)): \(text)") }
        print("loaded \(fixtures.count) file(s) into \(base): \(text)")
    }
}
