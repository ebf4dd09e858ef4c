/// Decides whether a request may act on npsim given where it says it comes from and which host it names.
///
/// npsim runs next to a web browser and, by design, runs commands (agent channels, local runs). A page on any
/// site can make the browser send requests to `127.0.0.1`; it cannot set `Origin`, `Sec-Fetch-Site` or `Host` to
/// what it likes. So a state-changing request whose `Origin` (or, without one, `Referer`) is another site, or that
/// the browser marks cross-site, is refused; and a request whose `Host` is a name npsim was not told about is
/// refused whatever its method, which defeats DNS rebinding (a site's own name made to resolve to 127.0.0.1).
public struct SiteCheck: Sendable {
    /// Names (lowercase, without port) npsim answers to besides IP addresses, `localhost` and `*.localhost`.
    public let hostNames: Set<String>

    public init(hostNames: [String]) {
        self.hostNames = Set(hostNames.map { $0.lowercased() })
    }

    /// The host name a request's `Host` names, when npsim does not answer to it; `nil` when it does, or when the
    /// request named none (HTTP/1.0 clients; no browser sends a request without one).
    public func refusedHost(authority: String?) -> String? {
        guard let authority, let endpoint = Endpoint(authority: authority, defaultPort: 80) else { return nil }
        let host = endpoint.host
        if endpoint.isIPLiteral || host == "localhost" || host.hasSuffix(".localhost") || hostNames.contains(host) { return nil }
        return host
    }

    /// Why a state-changing request must be refused as coming from another site, or `nil` when it may proceed.
    /// Requests from programs (curl, the CLI, runners) carry none of these headers and proceed.
    /// - Parameter scheme: the scheme npsim was reached on, for the default port of `authority`.
    public func crossSiteReason(scheme: String, authority: String?, origin: String?, referer: String?, fetchSite: String?) -> String? {
        if let fetchSite = fetchSite?.lowercased(), fetchSite != "same-origin", fetchSite != "none" {
            return "the browser marked this request \(fetchSite) (Sec-Fetch-Site)"
        }
        let own = authority.flatMap { Endpoint(authority: $0, defaultPort: scheme == "https" ? 443 : 80) }
        if let origin {
            guard let from = Endpoint(url: origin), from == own else { return "it was sent from \(origin), not from npsim's own pages" }
            return nil
        }
        if let referer, let from = Endpoint(url: referer), from != own {
            return "it was sent from a page of \(from.host), not from npsim's own pages"
        }
        return nil
    }
}

/// A host and port, as compared between `Host`, `Origin` and `Referer`.
struct Endpoint: Equatable {
    let host: String
    let port: Int
    let isIPLiteral: Bool

    /// `host`, `host:port`, `[v6]` or `[v6]:port`.
    init?(authority: String, defaultPort: Int) {
        var text = Substring(authority.lowercased())
        var port = defaultPort
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":") {
                guard let number = Int(rest.dropFirst()), (0...65535).contains(number) else { return nil }
                port = number
            } else if !rest.isEmpty {
                return nil
            }
            (self.host, self.port, self.isIPLiteral) = (String(text[...close]), port, true)
            return
        }
        if let colon = text.lastIndex(of: ":") {
            guard let number = Int(text[text.index(after: colon)...]), (0...65535).contains(number) else { return nil }
            port = number
            text = text[..<colon]
        }
        guard !text.isEmpty else { return nil }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let isIPv4 = parts.count == 4 && parts.allSatisfy { part in UInt8(part) != nil }
        (self.host, self.port, self.isIPLiteral) = (String(text), port, isIPv4)
    }

    /// The scheme, host and port of an origin or URL (`http://host:port/path`); `nil` for `null` and the unparseable.
    init?(url: String) {
        guard let separator = url.range(of: "://") else { return nil }
        let scheme = url[..<separator.lowerBound].lowercased()
        let rest = url[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else { return nil }
        self.init(authority: String(authority), defaultPort: scheme == "https" ? 443 : 80)
    }
}
