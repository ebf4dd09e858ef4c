/// Which organizations a caller may see and change.
///
/// A token acts within its organization: another organization's records answer 404, as if absent, and nothing
/// can be created there. The operator's keys (given with `--api-key`, or generated at first start) act for every
/// organization, so a user's fixtures and Terraform can name their real NRNs; `--organization` pins them to one.
public enum Tenancy: Sendable, Equatable {
    case everyOrganization
    case organization(String)

    /// The organization a token is limited to; `nil` for every organization.
    public var organizationId: String? {
        if case .organization(let id) = self { return id }
        return nil
    }

    /// Whether a record owned at `nrn` (`organization=1:account=2...`) is within reach. A record with no NRN
    /// belongs to no organization, and only the operator reaches it.
    public func admits(nrn: String?) -> Bool {
        guard let organizationId else { return true }
        guard let nrn else { return false }
        return Self.organization(of: nrn).map(String.init) == organizationId
    }

    /// Whether a record of organization `id` (an API key's) is within reach.
    public func admits(organizationId id: String) -> Bool {
        organizationId.map { $0 == id } ?? true
    }

    /// Whether a specification visible to these NRN patterns is: one pattern must name the organization, or any
    /// (`organization=*`).
    public func admits(patterns: [String]) -> Bool {
        guard let organizationId else { return true }
        return patterns.contains { pattern in
            let organization = Self.organization(of: pattern)
            return organization.map(String.init) == organizationId || organization == "*"
        }
    }

    /// The organization id an NRN or pattern starts with; `nil` when it does not start with one.
    static func organization(of nrn: String) -> Substring? {
        let prefix = "organization="
        guard nrn.hasPrefix(prefix) else { return nil }
        return nrn.dropFirst(prefix.count).prefix { $0 != ":" }
    }
}
