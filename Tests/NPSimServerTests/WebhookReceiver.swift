import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NPSimCore

/// A real webhook receiver on a loopback port, for delivery tests. What it answers is scripted per request.
struct WebhookReceiver: Sendable {
    enum Behaviour: Sendable {
        case status(Int, headers: [String: String] = [:])
        /// Never answers (until the test ends).
        case hang
        /// Answers 200 after a delay.
        case slow(Duration)
        /// Answers with a status and no body at all (a gateway's 503).
        case bare(Int)
        /// Answers 200 with a body of this many bytes.
        case hugeBody(Int)
        /// Answers 204 once the gate opens.
        case gated(Gate)

        /// The response to the `number`th request, after whatever wait the behaviour asks for.
        func answer(_ number: Int) async throws -> Response {
            switch self {
            case .status(let status, let extra):
                var fields = HTTPFields()
                for (name, value) in extra { fields[HTTPField.Name(name)!] = value }
                let body = status == 204 || status == 304 ? ByteBuffer() : ByteBuffer(string: "{\"n\":\(number)}")
                return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: body))
            case .hang:
                try await Task.sleep(for: .seconds(3600))
                return Response(status: .ok)
            case .slow(let delay):
                try await Task.sleep(for: delay)
                return Response(status: .ok)
            case .bare(let status):
                return Response(status: .init(code: status))
            case .hugeBody(let size):
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: UInt8(ascii: "x"), count: size)))
            case .gated(let gate):
                await gate.wait()
                return Response(status: .noContent)
            }
        }
    }

    /// Holds requests until the test opens it: what a receiver has in hand at a given moment, without timing.
    actor Gate {
        private var isOpen = false
        private var waiting: [CheckedContinuation<Void, Never>] = []

        func wait() async {
            if isOpen { return }
            await withCheckedContinuation { waiting.append($0) }
        }

        func open() {
            isOpen = true
            for continuation in waiting { continuation.resume() }
            waiting = []
        }

        /// Runs `body`; the gates open when it ends, however it ends, so a failing test does not leave the server's
        /// shutdown waiting on requests the receivers still hold.
        static func opening<T>(_ gates: [Gate], after body: () async throws -> T) async throws -> T {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            for gate in gates { await gate.open() }
            return try result.get()
        }
    }

    struct Received: Sendable {
        let path: String
        let headers: [String: String]
        let body: [UInt8]
        var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
    }

    actor Log {
        private(set) var requests: [Received] = []
        /// The most requests that were being answered at once: how many connections the sender really used.
        private(set) var peakInFlight = 0
        private var inFlight = 0

        func append(_ request: Received) -> Int {
            requests.append(request)
            inFlight += 1
            peakInFlight = max(peakInFlight, inFlight)
            return requests.count
        }

        func answered() {
            inFlight -= 1
        }
    }

    let port: Int
    let log: Log
    var url: String { "http://127.0.0.1:\(port)/hook" }
    var base: String { "http://127.0.0.1:\(port)" }

    var requests: [Received] {
        get async { await log.requests }
    }

    var peakInFlight: Int {
        get async { await log.peakInFlight }
    }
}

/// Runs the given receivers (each scripted by the 1-based number of the request it answers) for the duration
/// of `test`, then shuts them down.
func withReceivers(
    _ behaviours: [@Sendable (Int) -> WebhookReceiver.Behaviour],
    _ test: @Sendable @escaping ([WebhookReceiver]) async throws -> Void
) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var receivers: [WebhookReceiver] = []
        for behaviour in behaviours {
            let log = WebhookReceiver.Log()
            let router = Router()
            router.post("**") { request, _ -> Response in
                let body = try await request.body.collect(upTo: 16 << 20)
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName] = field.value }
                let number = await log.append(.init(path: request.uri.path, headers: headers, body: Array(body.readableBytesView)))
                let response = try await behaviour(number).answer(number)
                await log.answered()
                return response
            }
            let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
            let app = Application(
                router: router,
                configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
                logger: Logger(label: "receiver", factory: { _ in SwiftLogNoOpLogHandler() })
            )
            group.addTask { try await app.run() }
            var iterator = portStream.makeAsyncIterator()
            guard let port = await iterator.next() else { throw TestFailure("receiver did not start") }
            receivers.append(WebhookReceiver(port: port, log: log))
        }
        try await test(receivers)
        group.cancelAll()
    }
}
