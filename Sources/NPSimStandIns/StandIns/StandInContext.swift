import CryptoExtras
import Foundation
import Hummingbird
import NPSimCore
import NPSimDelivery
import NPSimHTTP
import NPSimStore

/// What the provider stand-ins share: the credentials they accept, the runs they record, and the resources
/// they host, which are exactly those the notification channels point at (a repository, project or pipeline no
/// channel names does not exist, and is a 404 as on the real service).
public struct StandInContext: Sendable {
    let database: AppDatabase
    let githubAppId: String
    let githubAppKey: GitHubAppKey
    let githubToken: String?
    let gitlabTriggerToken: String?
    let gitlabPrivateToken: String?
    let azureToken: String?
    /// Reproduce the real services' traps too (Azure's 203 sign-in page for bad credentials).
    let strict: Bool
    /// Which resources map to local checkouts, and the runner that executes their runs.
    let localRuns: LocalRunSettings
    let localRunner: LocalRunner
    let installationTokens = IssuedTokens()

    public init(
        database: AppDatabase,
        githubAppId: String,
        githubAppKey: GitHubAppKey,
        githubToken: String?,
        gitlabTriggerToken: String?,
        gitlabPrivateToken: String?,
        azureToken: String?,
        strict: Bool,
        localRuns: LocalRunSettings,
        localRunner: LocalRunner
    ) {
        self.database = database
        self.githubAppId = githubAppId
        self.githubAppKey = githubAppKey
        self.githubToken = githubToken
        self.gitlabTriggerToken = gitlabTriggerToken
        self.gitlabPrivateToken = gitlabPrivateToken
        self.azureToken = azureToken
        self.strict = strict
        self.localRuns = localRuns
        self.localRunner = localRunner
    }

    /// Registers the GitHub, GitLab and Azure DevOps stand-ins' routes.
    public func register(on routes: Routes) {
        GitHubStandIn(context: self).register(on: routes)
        GitLabStandIn(context: self).register(on: routes)
        AzureStandIn(context: self).register(on: routes)
    }

    /// The configuration of every channel of a type.
    func channelConfigurations(type: ChannelType) async throws -> [JSONObject] {
        try await database.channelConfigurations(type: type.rawValue)
    }

    /// Records an accepted run, queued in the provider's words. With a `checkout`, the run is also executed
    /// locally by the plan `planned` makes for it; a plan npsim cannot make fails the run with its reason.
    func record(
        provider: String,
        resource: String,
        ref: String,
        request: JSONValue,
        checkout: String?,
        planned: (ProviderRuns.Run) throws(UnsupportedByLocalRun) -> LocalRunPlan
    ) async throws -> ProviderRuns.Run {
        let status = RunPhase.queued.words(provider: provider).status
        let run = try await database.recordProviderRun(
            provider: provider,
            resource: resource,
            ref: ref,
            status: status,
            request: request,
            checkout: checkout
        )
        if checkout != nil {
            let plan: Result<LocalRunPlan, UnsupportedByLocalRun>
            do { plan = .success(try planned(run)) } catch { plan = .failure(error) }
            localRunner.submit(LocalRunner.Job(run: run, plan: plan))
        }
        return run
    }

    /// The bearer (or `token`) credential of a request.
    static func bearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, ["bearer", "token"].contains(parts[0].lowercased()) else { return nil }
        return String(parts[1])
    }
}

/// Installation tokens the GitHub stand-in has issued, valid for an hour.
actor IssuedTokens {
    private var tokens: [String: Date] = [:]

    func issue(now: Date = Date()) -> (token: String, expiresAt: Date) {
        let token = "ghs_" + (0..<36).map { _ in String("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".randomElement()!) }.joined()
        let expiresAt = now.addingTimeInterval(3600)
        tokens[token] = expiresAt
        return (token, expiresAt)
    }

    func isValid(_ token: String, now: Date = Date()) -> Bool {
        (tokens[token] ?? .distantPast) > now
    }
}
