import Testing

@testable import NPSimCore

/// The host and origin rules of ``SiteCheck``, without a server.
@Suite struct SiteCheckTests {
    let check = SiteCheck(hostNames: ["npsim", "Build-Box.example"])

    @Test(arguments: [
        "127.0.0.1:4466", "127.0.0.1", "[::1]:4466", "[::1]", "localhost:4466", "LOCALHOST", "app.localhost:1", "npsim:4466",
        "build-box.example", "10.0.0.7:80",
    ])
    func hostsNpsimAnswersTo(authority: String) {
        #expect(check.refusedHost(authority: authority) == nil)
    }

    @Test(arguments: [
        ("evil.example:4466", "evil.example"), ("EVIL.example", "evil.example"), ("127.0.0.1.evil.example", "127.0.0.1.evil.example"),
        ("localhost.evil.example", "localhost.evil.example"), ("256.0.0.1", "256.0.0.1"),
    ])
    func hostsItRefuses(authority: String, host: String) {
        #expect(check.refusedHost(authority: authority) == host)
    }

    @Test func originsAreComparedByHostAndPortWithTheSchemesDefault() {
        #expect(
            check.crossSiteReason(scheme: "http", authority: "127.0.0.1:4466", origin: "http://127.0.0.1:4466", referer: nil, fetchSite: nil) == nil
        )
        #expect(check.crossSiteReason(scheme: "http", authority: "localhost", origin: "http://localhost", referer: nil, fetchSite: nil) == nil)
        #expect(
            check.crossSiteReason(
                scheme: "https",
                authority: "api.nullplatform.com",
                origin: "https://api.nullplatform.com",
                referer: nil,
                fetchSite: nil
            ) == nil
        )
        #expect(
            check.crossSiteReason(scheme: "http", authority: "127.0.0.1:4466", origin: "http://127.0.0.1:4467", referer: nil, fetchSite: nil) != nil
        )
        #expect(check.crossSiteReason(scheme: "http", authority: "127.0.0.1:4466", origin: "null", referer: nil, fetchSite: nil) != nil)
        #expect(
            check.crossSiteReason(scheme: "http", authority: "127.0.0.1:4466", origin: nil, referer: "https://evil.example/x", fetchSite: nil) != nil
        )
        #expect(
            check.crossSiteReason(scheme: "http", authority: "127.0.0.1:4466", origin: nil, referer: "http://127.0.0.1:4466/ui", fetchSite: nil)
                == nil
        )
        #expect(check.crossSiteReason(scheme: "http", authority: "127.0.0.1:4466", origin: nil, referer: nil, fetchSite: "cross-site") != nil)
        #expect(check.crossSiteReason(scheme: "http", authority: "127.0.0.1:4466", origin: nil, referer: nil, fetchSite: "same-origin") == nil)
        #expect(check.crossSiteReason(scheme: "http", authority: "127.0.0.1:4466", origin: nil, referer: nil, fetchSite: nil) == nil)
        #expect(
            check.crossSiteReason(scheme: "http", authority: "127.0.0.1:4466", origin: "http://user@127.0.0.1:4466", referer: nil, fetchSite: nil)
                != nil
        )
    }
}
