import Foundation
import NIOHTTP1
import NPSimCore

/// Installation tokens of the GitHub App, fetched with an RS256 JWT and cached until shortly before they expire,
/// so a burst of dispatches costs one token request.
actor InstallationTokens {
    private struct Cached {
        let token: String
        let expiresAt: Date
    }

    private var cache: [String: Cached] = [:]

    /// A valid token for the installation, or a failure explaining why none could be had.
    func token(
        baseURL: String,
        installationId: String,
        settings: ProviderSettings.GitHub,
        appKey: GitHubAppKey,
        exchanger: HTTPExchanger
    ) async
        -> Result<String, TokenFailure>
    {
        let key = "\(baseURL)#\(installationId)"
        if let cached = cache[key], cached.expiresAt.timeIntervalSinceNow > 60 { return .success(cached.token) }
        let jwt: String
        do {
            jwt = try GitHubAppJWT.make(appId: settings.appId, privateKey: try await appKey.privateKey())
        } catch {
            return .failure(TokenFailure(message: "cannot sign the GitHub App JWT: \(error)", retryable: false))
        }
        let url = "\(baseURL)/app/installations/\(installationId)/access_tokens"
        let headers = [
            ("Accept", "application/vnd.github+json"), ("Authorization", "Bearer \(jwt)"),
            ("X-GitHub-Api-Version", settings.apiVersion), ("User-Agent", HTTPExchanger.userAgent),
        ]
        switch await exchanger.send(method: .POST, url: url, headers: headers, body: []) {
        case .success(let response) where response.status == 201:
            guard let body = try? JSONParser.parse(response.body), let token = body["token"]?.stringValue else {
                return .failure(TokenFailure(message: "GitHub answered 201 without a token", retryable: true))
            }
            let expiresAt = body["expires_at"]?.stringValue.flatMap { try? Date($0, strategy: .iso8601) } ?? Date().addingTimeInterval(3600)
            cache[key] = Cached(token: token, expiresAt: expiresAt)
            return .success(token)
        case .success(let response):
            return .failure(
                TokenFailure(
                    message:
                        "the installation token request to \(url) answered \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))",
                    retryable: response.status >= 500
                )
            )
        case .failure(let failure):
            return .failure(TokenFailure(message: "the installation token request to \(url) failed: \(failure.description)", retryable: true))
        }
    }

    struct TokenFailure: Error {
        let message: String
        /// Asking for a token starts nothing, so it may always be retried when the failure is transient.
        let retryable: Bool
    }
}
