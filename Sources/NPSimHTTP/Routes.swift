import Hummingbird

/// Registers routes on the router together with their description, from which `/_npsim/openapi.json` is built.
///
/// A route cannot be added without a summary, so the API description cannot fall behind the router. Used only
/// while the application is being built, on one task.
public final class Routes {
    public typealias Handler = @Sendable (Request, NPSimRequestContext) async throws -> Response

    public struct Entry: Sendable, Equatable {
        public let method: String
        /// Hummingbird syntax: `/service/:id`.
        public let path: String
        public let summary: String

        public init(method: String, path: String, summary: String) {
            self.method = method
            self.path = path
            self.summary = summary
        }

        /// OpenAPI syntax: `/service/{id}`.
        public var openAPIPath: String {
            path.split(separator: "/", omittingEmptySubsequences: false).map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                .joined(separator: "/")
        }
    }

    public let router: Router<NPSimRequestContext>
    public private(set) var entries: [Entry] = []

    public init(router: Router<NPSimRequestContext>) {
        self.router = router
    }

    public func get(_ path: String, _ summary: String, _ handler: @escaping Handler) { on(.get, path, summary, handler) }
    public func post(_ path: String, _ summary: String, _ handler: @escaping Handler) { on(.post, path, summary, handler) }
    public func patch(_ path: String, _ summary: String, _ handler: @escaping Handler) { on(.patch, path, summary, handler) }
    public func delete(_ path: String, _ summary: String, _ handler: @escaping Handler) { on(.delete, path, summary, handler) }
    public func put(_ path: String, _ summary: String, _ handler: @escaping Handler) { on(.put, path, summary, handler) }

    private func on(_ method: HTTPRequest.Method, _ path: String, _ summary: String, _ handler: @escaping Handler) {
        router.on(RouterPath(stringLiteral: path), method: method, use: handler)
        entries.append(Entry(method: method.rawValue.lowercased(), path: path, summary: summary))
    }
}
