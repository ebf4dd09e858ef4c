import ArgumentParser
import CryptoExtras
import Foundation
import NPSimDelivery

/// `serve`'s provider options: where npsim makes the GitHub, GitLab and Azure DevOps calls of their channels, with
/// which credentials, and how strict its own stand-ins are.
struct ProviderOptions: ParsableArguments {
    @Option(help: "GitHub API base URL, e.g. https://api.github.com [default: npsim's stand-in].")
    var githubUrl: String?

    @Option(help: "GitHub personal access token; used instead of the GitHub App.")
    var githubToken: String?

    @Option(help: "GitHub App id (the JWT's iss) [default 1].")
    var githubAppId: String?

    @Option(help: "PEM file of the GitHub App's private key [default: a key npsim generates for its stand-in].")
    var githubAppKey: String?

    @Option(help: "GitLab API base URL, e.g. https://gitlab.example.com/api/v4 [default: npsim's stand-in].")
    var gitlabUrl: String?

    @Option(help: "GitLab pipeline trigger token (trigger API).")
    var gitlabTriggerToken: String?

    @Option(help: "GitLab personal, project or group token (create-pipeline API), used when there is no trigger token.")
    var gitlabToken: String?

    @Option(help: "Azure DevOps base URL, e.g. https://dev.azure.com [default: npsim's stand-in].")
    var azureUrl: String?

    @Option(help: "Azure DevOps personal access token.")
    var azureToken: String?

    @Flag(help: "Make the stand-ins reproduce the real services' traps too (Azure's 203 sign-in page for a bad token).")
    var strictStandIns = false

    func settings(_ sources: SettingSources) throws -> ProviderSettings {
        var github = ProviderSettings.GitHub(
            baseURL: sources.string(githubUrl, "github-url"),
            token: sources.string(githubToken, "github-token"),
            appId: sources.string(githubAppId, "github-app-id") ?? "1"
        )
        if let path = sources.string(githubAppKey, "github-app-key") {
            guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("--github-app-key: cannot read \(path)") }
            do { github.privateKey = try _RSA.Signing.PrivateKey(pemRepresentation: pem) } catch {
                throw ValidationError("--github-app-key: \(path) is not a PEM RSA private key (\(error))")
            }
        }
        return ProviderSettings(
            github: github,
            gitlab: .init(
                baseURL: sources.string(gitlabUrl, "gitlab-url"),
                triggerToken: sources.string(gitlabTriggerToken, "gitlab-trigger-token"),
                privateToken: sources.string(gitlabToken, "gitlab-token")
            ),
            azure: .init(baseURL: sources.string(azureUrl, "azure-url"), token: sources.string(azureToken, "azure-token"))
        )
    }
}
