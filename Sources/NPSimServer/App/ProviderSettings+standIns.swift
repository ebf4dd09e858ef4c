import CryptoExtras
import NPSimDelivery
import NPSimStore

extension ProviderSettings {
    /// Fills in credentials for every provider that uses npsim's own stand-in (no base URL configured): a GitLab
    /// trigger and private token, an Azure DevOps token. They are generated once and kept in the database, so a
    /// restart keeps them. Providers pointed at a real service keep exactly what was configured. (The GitHub App
    /// key is made on first use: ``appKey(database:)``.)
    func resolvingStandInCredentials(in database: AppDatabase) async throws -> ProviderSettings {
        var resolved = self
        func secret(_ key: String, prefix: String) async throws -> String {
            prefix + String(decoding: try await database.setting(key) { Array(APIKeys.generateSecret().prefix(40).utf8) }, as: UTF8.self)
        }
        if gitlab.baseURL == nil {
            if gitlab.triggerToken == nil, gitlab.privateToken == nil {
                resolved.gitlab.triggerToken = try await secret("gitlab_trigger_token", prefix: "glptt-")
            }
            if gitlab.privateToken == nil { resolved.gitlab.privateToken = try await secret("gitlab_private_token", prefix: "glpat-") }
        }
        if azure.baseURL == nil, azure.token == nil { resolved.azure.token = try await secret("azure_token", prefix: "") }
        return resolved
    }
}

extension ProviderSettings.GitHub {
    /// The configured app key, or the one npsim keeps in its database for its stand-in, made on first use.
    func appKey(database: AppDatabase) -> GitHubAppKey {
        GitHubAppKey(configured: privateKey) {
            let pem = try await database.setting("github_app_private_key") {
                Array(((try? _RSA.Signing.PrivateKey(keySize: .bits2048))?.pemRepresentation ?? "").utf8)
            }
            return try _RSA.Signing.PrivateKey(pemRepresentation: String(decoding: pem, as: UTF8.self))
        }
    }
}
