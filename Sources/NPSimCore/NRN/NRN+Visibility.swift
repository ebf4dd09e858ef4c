extension NRN {
    /// Whether a record owned at (or visible to) `owners` shows up in a list filtered by `query`.
    ///
    /// As in nullplatform, a list at an NRN returns what is visible there: records owned at that NRN or
    /// inherited from an ancestor. Records owned below it are included when the query has a wildcard
    /// (`organization=1:account=*`) or when the client asks for descendants (`show_descendants=true`).
    public static func isVisible(owners: [NRN], query: NRN, includeDescendants: Bool) -> Bool {
        owners.contains { owner in
            owner.isAncestorOrSelf(of: query) || ((includeDescendants || query.hasWildcard) && query.isAncestorOrSelf(of: owner))
        }
    }
}
