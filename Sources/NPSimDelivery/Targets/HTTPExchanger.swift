import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NPSimCore
import NPSimStore

/// Sends one request and keeps what an attempt record needs: status, headers and the first 64 KiB of the body.
struct HTTPExchanger: Sendable {
    /// The most of a response body that is kept with an attempt.
    static let responseExcerptLimit = 64 * 1024
    static let userAgent = "npsim/0.1 (+nullplatform emulator)"

    struct Response: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: [UInt8]

        var headersJSON: JSONValue { .object(JSONObject(headers.map { ($0.name.lowercased(), .string($0.value)) })) }
    }

    /// Why no response came back, and whether the request may have reached the server.
    struct Failure: Error {
        let description: String
        /// `false` only when the connection was never established, so the request provably did not arrive.
        let mayHaveArrived: Bool
    }

    let client: HTTPClient
    let timeout: Duration

    /// Sends the request and reads the response within ``timeout``, counted from connecting to the response's
    /// last byte (or the last byte of the kept excerpt, after which the rest is not read): a receiver that answers
    /// at once and then trickles (or never ends) its body is cut off at the deadline like one that never answers.
    func send(method: HTTPMethod, url: String, headers: [(String, String)], body: [UInt8]) async -> Result<Response, Failure> {
        let (client, timeout) = (self.client, self.timeout)
        do {
            return .success(
                try await withThrowingTaskGroup(of: Response?.self) { group in
                    group.addTask {
                        var request = HTTPClientRequest(url: url)
                        request.method = method
                        for (name, value) in headers { request.headers.add(name: name, value: value) }
                        request.body = .bytes(ByteBuffer(bytes: body))
                        let response = try await client.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
                        var excerpt: [UInt8] = []
                        for try await chunk in response.body {
                            excerpt.append(contentsOf: chunk.readableBytesView.prefix(Self.responseExcerptLimit - excerpt.count))
                            if excerpt.count >= Self.responseExcerptLimit { break }
                        }
                        return Response(status: Int(response.status.code), headers: response.headers, body: excerpt)
                    }
                    group.addTask {
                        try await Task.sleep(for: timeout)
                        return nil
                    }
                    defer { group.cancelAll() }
                    guard let first = try await group.next(), let response = first else { throw HTTPClientError.deadlineExceeded }
                    return response
                }
            )
        } catch {
            return .failure(Self.describe(error))
        }
    }

    static func describe(_ error: any Error) -> Failure {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return Failure(description: "timed out waiting for the receiver", mayHaveArrived: true)
            case .connectTimeout, .getConnectionFromPoolTimeout:
                return Failure(description: "timed out connecting to the receiver", mayHaveArrived: false)
            case .remoteConnectionClosed: return Failure(description: "the receiver closed the connection", mayHaveArrived: true)
            default: return Failure(description: "\(error)", mayHaveArrived: true)
            }
        }
        // Connection refused, unreachable or unresolvable: nothing was sent.
        return Failure(description: "cannot connect: \(error)", mayHaveArrived: false)
    }
}
