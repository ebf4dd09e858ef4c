import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NPSimDelivery

/// The client side of npsim's floor: how many POSTs of a payload a second AsyncHTTPClient, configured exactly as
/// the dispatcher configures it, completes against a receiver when nothing else is done for them (no JSON, no
/// SQLite, no signature). With the server side of the floor (`wrk` POSTing to a path npsim does not route) it
/// bounds the fan-out from above: every delivery costs npsim at least one of each exchange.
@main
struct ClientFloor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "npsim-client-floor",
        abstract: "POSTs a file's bytes to a URL from concurrent requests for a while and prints requests/s as JSON."
    )

    @Argument(help: "The receiver, e.g. http://127.0.0.1:8080/hook.")
    var url: String

    @Option(help: "The file whose bytes are POSTed as the body.")
    var body: String

    @Option(help: "How long to send, in seconds.")
    var seconds: Double = 5

    @Option(help: "Requests in flight at once (the dispatcher's slots per channel by default).")
    var concurrency: Int = 32

    func run() async throws {
        guard let payload = FileManager.default.contents(atPath: body) else {
            throw ValidationError("cannot read \(body): pass the path of the payload to POST")
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .delivery(connectionsPerHost: concurrency))
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "npsim-client-floor")
        request.headers.add(name: "np-source", value: "service")
        request.headers.add(name: "np-event", value: "service:action:create")
        request.body = .bytes(ByteBuffer(bytes: payload))
        let started = ContinuousClock.now
        let counts: (completed: Int, failed: Int)
        do {
            counts = try await Self.send(request, through: client, until: started + .seconds(seconds), concurrency: concurrency)
        } catch {
            try? await client.shutdown()
            throw error
        }
        let elapsed = started.duration(to: .now)
        try await client.shutdown()
        let perSecond = Double(counts.completed) / (elapsed / .seconds(1))
        print(#"{"requests_per_s": \#(perSecond), "completed": \#(counts.completed), "non_2xx": \#(counts.failed)}"#)
    }

    /// Keeps `concurrency` requests in flight until `deadline`; counts the 2xx answers and the others.
    private static func send(
        _ request: HTTPClientRequest,
        through client: HTTPClient,
        until deadline: ContinuousClock.Instant,
        concurrency: Int
    ) async throws -> (completed: Int, failed: Int) {
        try await withThrowingTaskGroup(of: (completed: Int, failed: Int).self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var completed = 0
                    var failed = 0
                    while ContinuousClock.now < deadline {
                        let response = try await client.execute(request, timeout: .seconds(10))
                        for try await _ in response.body {}
                        if response.status.code / 100 == 2 { completed += 1 } else { failed += 1 }
                    }
                    return (completed, failed)
                }
            }
            return try await group.reduce(into: (completed: 0, failed: 0)) { total, one in
                total.completed += one.completed
                total.failed += one.failed
            }
        }
    }
}
