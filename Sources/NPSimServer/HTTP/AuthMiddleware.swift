import Hummingbird
import NPSimCore

/// Requires `Authorization: Bearer <token>` on nullplatform's routes, as the real API does.
///
/// Open routes: `POST /token`, everything under `/_npsim/` (the emulator's own endpoints), the provider
/// stand-ins under `/_github`, `/_gitlab` and `/_azure` (which check their own credentials), `/metrics`, and the
/// dashboard at `/` and `/ui`.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = NPSimRequestContext

    let issuer: TokenIssuer
    let enabled: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard enabled, !Self.isOpen(path) else { return try await next(request, context) }
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("missing Authorization header; send 'Authorization: Bearer <token>' with a token from POST /token")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        var context = context
        // Trimmed without Foundation, whose `trimmingCharacters` goes through NSString on every request.
        var token = parts[1]
        while let first = token.first, first == " " || first == "\t" { token.removeFirst() }
        while let last = token.last, last == " " || last == "\t" { token.removeLast() }
        context.claims = try issuer.verify(String(token), as: .access)
        return try await next(request, context)
    }

    static func isOpen(_ path: String) -> Bool {
        path == "/token" || path == "/metrics" || path == "/"
            || ["/_npsim", "/_github", "/_gitlab", "/_azure", "/ui"].contains { path == $0 || path.hasPrefix($0 + "/") }
    }
}
