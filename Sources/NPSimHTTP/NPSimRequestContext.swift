import Hummingbird
import NPSimCore

/// The per-request context: Hummingbird's core storage plus who the caller is.
public struct NPSimRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The verified bearer token's claims; `nil` under `--no-auth` and on open routes.
    public var claims: TokenIssuer.Claims?
    /// The organizations the caller may reach: its key's, or every one under `--no-auth` and for the operator's keys.
    public var tenancy: Tenancy = .everyOrganization

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.claims = nil
    }
}
