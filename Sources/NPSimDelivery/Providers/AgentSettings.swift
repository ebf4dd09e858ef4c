/// How `agent` channels run their command, as nullplatform's agent would on the developer's machine.
public struct AgentSettings: Sendable {
    /// `--agent-tag key=value`: an `agent` channel's `selector` must be contained in these.
    public var tags: [String: String]
    /// How long a command may run before it is killed (`--agent-timeout`, default 10 minutes).
    public var timeout: Duration
    /// How long a stopped command gets between SIGTERM and SIGKILL (`--kill-grace`, default 10 s).
    public var killGrace: Duration
    /// `NP_API_KEY` for channels that carry no `api_key`: a key npsim accepts, so the runner can report back.
    public var fallbackAPIKey: String?

    public init(tags: [String: String] = [:], timeout: Duration = .seconds(600), killGrace: Duration = .seconds(10), fallbackAPIKey: String? = nil) {
        self.tags = tags
        self.killGrace = killGrace
        self.timeout = timeout
        self.fallbackAPIKey = fallbackAPIKey
    }
}
