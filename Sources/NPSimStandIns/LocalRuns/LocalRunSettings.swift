/// `--checkout`, `--act`, `--run-timeout`: which provider resources run locally, and how.
public struct LocalRunSettings: Sendable {
    /// Local checkouts by provider resource: `github:ACCOUNT/REPOSITORY`, `gitlab:PROJECT_ID` or
    /// `azure:ORGANIZATION/PROJECT/PIPELINE_ID` → a directory. A run the stand-in accepts for a mapped resource
    /// executes that checkout's workflow or pipeline file; other runs are only recorded.
    public var checkouts: [String: String]
    /// The `act` executable for GitHub workflows; `nil` finds it on `PATH`.
    public var act: String?
    /// How long one local run may take before it is killed.
    public var timeout: Duration

    public init(checkouts: [String: String] = [:], act: String? = nil, timeout: Duration = .seconds(600)) {
        self.checkouts = checkouts
        self.act = act
        self.timeout = timeout
    }

    /// The checkout of a resource (`github:acme/services`), matched without regard to case as GitHub names are.
    func checkout(_ resource: String) -> String? {
        checkouts.first { $0.key.lowercased() == resource.lowercased() }?.value
    }
}
