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
        if hostNames.contains(host) || endpoint.isIPLiteral || host == "localhost" || host.hasSuffix(".localhost") { return nil }
        return host
    }

    /// Why a state-changing request must be refused as coming from another site, or `nil` when it may proceed.
    /// Requests from programs (curl, the CLI, runners) carry none of these headers and proceed.
    /// - Parameter scheme: the scheme npsim was reached on, for the default port of `authority`.
    public func crossSiteReason(scheme: String, authority: String?, origin: String?, referer: String?, fetchSite: String?) -> String? {
        if let fetchSite = fetchSite?.lowercased(), fetchSite != "same-origin", fetchSite != "none" {
            return "the browser marked this request \(fetchSite) (Sec-Fetch-Site)"
        }
        guard origin != nil || referer != nil else { return nil }
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

    /// `host`, `host:port`, `[v6]` or `[v6]:port`. Parsed over bytes: every request's `Host` goes through here, and
    /// a host name needs no grapheme breaking.
    init?(authority: String, defaultPort: Int) {
        let bytes = Array(authority.utf8)
        var end = bytes.count
        var port = defaultPort
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            if close + 1 < bytes.count {
                guard bytes[close + 1] == UInt8(ascii: ":"), let number = Self.port(bytes[(close + 2)...]) else { return nil }
                port = number
            }
            (self.host, self.port, self.isIPLiteral) = (Self.lowercased(bytes[...close]), port, true)
            return
        }
        if let colon = bytes.lastIndex(of: UInt8(ascii: ":")) {
            guard let number = Self.port(bytes[(colon + 1)...]) else { return nil }
            port = number
            end = colon
        }
        guard end > 0 else { return nil }
        let host = bytes[..<end]
        let parts = host.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        let isIPv4 = parts.count == 4 && parts.allSatisfy { part in Self.port(part).map { $0 <= 255 } ?? false }
        (self.host, self.port, self.isIPLiteral) = (Self.lowercased(host), port, isIPv4)
    }

    /// Decimal digits as a number in 0...65535; `nil` for anything else.
    private static func port(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 5 else { return nil }
        var value = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return value <= 65535 ? value : nil
    }

    private static func lowercased(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }, as: UTF8.self)
    }

    /// The scheme, host and port of an origin or URL (`http://host:port/path`); `nil` for `null` and the unparseable.
    init?(url: String) {
        let bytes = Array(url.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), bytes[colon...].starts(with: "://".utf8) else { return nil }
        let scheme = Self.lowercased(bytes[..<colon])
        let rest = bytes[(colon + 3)...]
        let authority = rest.prefix { $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") }
        guard !authority.contains(UInt8(ascii: "@")) else { return nil }
        self.init(authority: String(decoding: authority, as: UTF8.self), defaultPort: scheme == "https" ? 443 : 80)
    }
}
