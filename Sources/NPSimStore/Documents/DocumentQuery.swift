import NPSimCore

/// The filters a list endpoint passes down to ``Documents/list(_:in:)``; every one of them is applied in SQL.
public struct DocumentQuery: Sendable {
    public var kind: EntityKind
    public var parentId: String?
    public var ids: [String] = []
    public var statuses: [String] = []
    public var specificationIds: [String] = []
    public var types: [String] = []
    public var slugs: [String] = []
    public var nrn: NRN?
    /// Records owned exactly at this NRN (`entity_nrn=`), as opposed to the visibility filter `nrn`.
    public var exactNRN: String?
    public var includeDescendants = false
    /// Only records of this organization (a token's); `nil` for every organization. Actions and action
    /// specifications are listed under a parent, which the caller checks instead.
    public var organizationId: String?
    public var limit = 30
    public var offset = 0
    /// Newest first when true (the default for actions and notifications).
    public var newestFirst = false

    public init(kind: EntityKind) {
        self.kind = kind
    }
}
