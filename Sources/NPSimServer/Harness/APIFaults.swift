import Hummingbird
import NPSimCore
import NPSimHTTP
import NPSimOrchestrator
import Synchronization

/// Faults a test injects into npsim's own API (`POST /_npsim/faults/api`): the next requests with a method and a
/// path prefix are answered with an error, or held and then answered 504, so that a runner's handling of a refused
/// or lost report can be tested. The emulator's own routes (`/_npsim/...`) are never touched.
final class APIFaults: Sendable {
    enum Answer: Sendable, Equatable {
        case status(Int)
        /// Held this long, then answered 504: a client with a shorter timeout sees none.
        case hold(Duration)
    }

    struct Rule: Sendable {
        let method: String?
        let pathPrefix: String
        var remaining: Int
        let answer: Answer
        var fired = 0

        init(parsing body: JSONValue) throws {
            guard case .object(let object) = body else { throw APIError.validation("an API fault must be a JSON object") }
            method = try object["method"].map { value in
                guard let method = value.stringValue?.uppercased(), ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(method) else {
                    throw APIError.validation("method must be GET, POST, PUT, PATCH or DELETE, got \(JSONWriter.string(value))")
                }
                return method
            }
            guard let prefix = object["path_prefix"]?.stringValue, prefix.hasPrefix("/"), !prefix.hasPrefix("/_npsim") else {
                throw APIError.validation("path_prefix must be a path such as \"/service/\" (not under /_npsim)")
            }
            pathPrefix = prefix
            let count = object["count"]?.intValue ?? 1
            guard (1...1000).contains(count) else { throw APIError.validation("count must be a whole number from 1 to 1000") }
            remaining = count
            switch object["answer"] {
            case .int(let status)? where (400...599).contains(status):
                answer = .status(status)
            case .string("timeout")?:
                let seconds = object["seconds"]?.doubleValue ?? 30
                guard seconds.isFinite, seconds > 0, seconds <= 300 else { throw APIError.validation("seconds must be from 0 to 300") }
                answer = .hold(.milliseconds(Int64((seconds * 1000).rounded())))
            default:
                throw APIError.validation("answer must be an HTTP status from 400 to 599 or \"timeout\"")
            }
        }

        /// What the answer does, in words.
        var answerWords: String {
            switch answer {
            case .status(let status): "answered \(status)"
            case .hold(let duration): "held \(duration.seconds) s, then answered 504"
            }
        }

        var json: JSONValue {
            let answer: JSONValue =
                switch self.answer {
                case .status(let status): .int(status)
                case .hold(let duration): ["timeout": .double(duration.seconds)]
                }
            return [
                "method": method.map(JSONValue.string) ?? .null, "path_prefix": .string(pathPrefix), "remaining": .int(remaining),
                "fired": .int(fired), "answer": answer,
            ]
        }
    }

    private let rules = Mutex<[Rule]>([])

    /// Adds a rule; one with the same method, path prefix and answer as a rule that has firings left instead
    /// raises that rule's count to this one's, so a fixture applied again (a reset keeping the fixtures) does not
    /// pile its faults up.
    func add(_ rule: Rule) {
        rules.withLock { rules in
            if let index = rules.firstIndex(where: {
                $0.remaining > 0 && $0.method == rule.method && $0.pathPrefix == rule.pathPrefix && $0.answer == rule.answer
            }) {
                rules[index].remaining = max(rules[index].remaining, rule.remaining)
            } else {
                rules.append(rule)
            }
        }
    }

    func clear() {
        rules.withLock { $0.removeAll() }
    }

    var json: JSONValue {
        .array(rules.withLock { $0.map(\.json) })
    }

    /// The first rule with firings left that matches the request, counted as fired.
    func take(method: String, path: String) -> Rule? {
        guard !path.hasPrefix("/_npsim") else { return nil }
        return rules.withLock { rules in
            guard let index = rules.firstIndex(where: { $0.remaining > 0 && ($0.method ?? method) == method && path.hasPrefix($0.pathPrefix) })
            else { return nil }
            rules[index].remaining -= 1
            rules[index].fired += 1
            return rules[index]
        }
    }
}

/// Answers the requests an ``APIFaults`` rule picks instead of handling them, and writes the fault into the
/// journal of the action the request was about, so a test that fails shows which of the runner's calls was
/// refused.
struct APIFaultMiddleware<Context: RequestContext>: RouterMiddleware {
    let faults: APIFaults
    let orchestrator: Orchestrator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let (method, path) = (request.method.rawValue, request.uri.path)
        guard let rule = faults.take(method: method, path: path) else { return try await next(request, context) }
        if let action = Self.actionId(in: path) {
            let detail: JSONObject = [
                "method": .string(method), "path": .string(path), "fault": .string("injected: \(rule.answerWords); nothing was changed"),
            ]
            do { try await orchestrator.journal(event: "api_fault", detail: detail, onAction: action) } catch {
                context.logger.warning("the injected fault on \(method) \(path) could not be written to action \(action)'s journal: \(error)")
            }
        }
        switch rule.answer {
        case .status(let status):
            let body: JSONValue = ["code": "injected_fault", "message": .string("an injected fault answered \(status) (POST /_npsim/faults/api)")]
            var response = JSONResponse.make(body, status: .init(code: status))
            if status == 429 || status == 503 { response.headers[.retryAfter] = "1" }
            return response
        case .hold(let duration):
            try await Task.sleep(for: duration)
            let body: JSONValue = ["code": "injected_fault", "message": "an injected fault held the request, then answered 504"]
            return JSONResponse.make(body, status: .gatewayTimeout)
        }
    }
}

extension APIFaultMiddleware {
    /// The action a request names (`/service/{id}/action/{id}` or `/link/{id}/action/{id}`, and anything after).
    static func actionId(in path: String) -> String? {
        let parts = path.split(separator: "/")
        guard parts.count >= 4, parts[0] == "service" || parts[0] == "link", parts[2] == "action" else { return nil }
        return String(parts[3])
    }
}
