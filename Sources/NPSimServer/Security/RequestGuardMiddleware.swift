import HTTPTypes
import Hummingbird
import NPSimCore
import NPSimHTTP

/// The first check every request meets: a `Host` npsim does not answer to is a 421 (DNS rebinding), and a
/// state-changing request from another site's page is a 403, on every route: API, `/_npsim`, the dashboard's forms
/// and the provider stand-ins alike. See ``SiteCheck`` for the rules and `docs/security.md` for why.
struct RequestGuardMiddleware: RouterMiddleware {
    typealias Context = NPSimRequestContext

    let check: SiteCheck
    /// The scheme this listener serves, for the default port of a `Host` without one.
    let scheme: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let authority = request.head.authority
        if let host = check.refusedHost(authority: authority) { throw APIError.misdirected(host) }
        if Self.changesState(request.method),
            let reason = check.crossSiteReason(
                scheme: scheme,
                authority: authority,
                origin: request.headers[.origin],
                referer: request.headers[.referer],
                fetchSite: request.headers[Self.secFetchSite]
            )
        {
            throw APIError.forbidden(
                "refused a cross-site request: \(reason). npsim runs commands; only its own dashboard and programs that send no browser headers may change it"
            )
        }
        return try await next(request, context)
    }

    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!

    static func changesState(_ method: HTTPRequest.Method) -> Bool {
        method != .get && method != .head && method != .options
    }
}
