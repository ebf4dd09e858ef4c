import Hummingbird

/// Registers routes on the router together with their description, from which `/_npsim/openapi.json` is built.
///
/// A route cannot be added without a summary, so the API description cannot fall behind the router. Used only
/// while the application is being built, on one task.
final class Routes {
    typealias Handler = @Sendable (Request, NPSimRequestContext) async throws -> Response

    struct Entry: Sendable, Equatable {
        let method: String
        /// Hummingbird syntax: `/service/:id`.
        let path: String
        let summary: String

        /// OpenAPI syntax: `/service/{id}`.
        var openAPIPath: String {
            path.split(separator: "/", omittingEmptySubsequences: false).map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                .joined(separator: "/")
        }
    }

    let router: Router<NPSimRequestContext>
    private(set) var entries: [Entry] = []

    init(router: Router<NPSimRequestContext>) {
        self.router = router
    }

    func get(_ path: String, _ summary: String, _ handler: @escaping Handler) { on(.get, path, summary, handler) }
    func post(_ path: String, _ summary: String, _ handler: @escaping Handler) { on(.post, path, summary, handler) }
    func patch(_ path: String, _ summary: String, _ handler: @escaping Handler) { on(.patch, path, summary, handler) }
    func delete(_ path: String, _ summary: String, _ handler: @escaping Handler) { on(.delete, path, summary, handler) }
    func put(_ path: String, _ summary: String, _ handler: @escaping Handler) { on(.put, path, summary, handler) }

    private func on(_ method: HTTPRequest.Method, _ path: String, _ summary: String, _ handler: @escaping Handler) {
        router.on(RouterPath(stringLiteral: path), method: method, use: handler)
        entries.append(Entry(method: method.rawValue.lowercased(), path: path, summary: summary))
    }
}
