import Hummingbird
import NPSimCore
import NPSimHTTP

/// Requires `Authorization: Bearer <token>` on nullplatform's routes, as the real API does, and on the emulator's
/// own routes under `/_npsim/` that change or list anything.
///
/// Open routes: `POST /token`; reading health and readiness (`/_npsim/health`, `/_npsim/ready`), the OpenAPI document and `/metrics`; the
/// provider stand-ins under `/_github`, `/_gitlab` and `/_azure`, which check their own credentials; and the
/// dashboard at `/` and `/ui`, which needs no token but takes its forms only from its own pages
/// (``RequestGuardMiddleware`` refuses cross-site posts).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = NPSimRequestContext

    let issuer: TokenIssuer
    let keys: KeyDirectory
    let enabled: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard enabled, !Self.isOpen(request.method, request.uri.path) else { return try await next(request, context) }
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
        let claims = try issuer.verify(String(token), as: .access)
        guard let tenancy = try await keys.tenancy(ofKey: claims.apiKeyId) else {
            throw APIError.unauthorized("the API key behind this bearer token was deleted; exchange another key at POST /token")
        }
        context.claims = claims
        context.tenancy = tenancy
        return try await next(request, context)
    }

    static func isOpen(_ method: HTTPRequest.Method, _ path: String) -> Bool {
        if path == "/token" || path == "/" { return true }
        if ["/_github", "/_gitlab", "/_azure", "/ui"].contains(where: { path == $0 || path.hasPrefix($0 + "/") }) { return true }
        return (method == .get || method == .head) && Self.openForReading.contains(path)
    }

    /// What a monitor or a browser reads without a token: nothing in it is a secret or names a record.
    static let openForReading: Set<String> = ["/metrics", "/_npsim/health", "/_npsim/ready", OpenAPIController.path]
}
