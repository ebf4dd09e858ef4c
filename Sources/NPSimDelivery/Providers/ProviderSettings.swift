import CryptoExtras

/// Where and as whom npsim calls GitHub, GitLab and Azure DevOps.
///
/// A `nil` base URL means npsim's own stand-in (`<npsim>/_github`, `<npsim>/_gitlab/api/v4`, `<npsim>/_azure`),
/// so everything works offline. Point a base URL at `https://api.github.com`, a GitLab instance's `/api/v4` or
/// `https://dev.azure.com` with real credentials and npsim drives real pipelines.
public struct ProviderSettings: Sendable {
    public struct GitHub: Sendable {
        public var baseURL: String?
        /// A personal access token; when set it is used instead of the GitHub App.
        public var token: String?
        public var appId: String
        /// The app's key; `nil` lets npsim make one for its stand-in (see ``GitHubAppKey``).
        public var privateKey: _RSA.Signing.PrivateKey?
        public var apiVersion = "2022-11-28"

        public init(baseURL: String? = nil, token: String? = nil, appId: String = "1", privateKey: _RSA.Signing.PrivateKey? = nil) {
            self.baseURL = baseURL
            self.token = token
            self.appId = appId
            self.privateKey = privateKey
        }
    }

    public struct GitLab: Sendable {
        public var baseURL: String?
        /// A pipeline trigger token for the trigger API (`POST /projects/:id/trigger/pipeline`).
        public var triggerToken: String?
        /// A personal, project or group token for the create-pipeline API, used when there is no trigger token.
        public var privateToken: String?

        public init(baseURL: String? = nil, triggerToken: String? = nil, privateToken: String? = nil) {
            self.baseURL = baseURL
            self.triggerToken = triggerToken
            self.privateToken = privateToken
        }
    }

    public struct Azure: Sendable {
        public var baseURL: String?
        /// A personal access token, sent as Basic auth with an empty user name.
        public var token: String?

        public init(baseURL: String? = nil, token: String? = nil) {
            self.baseURL = baseURL
            self.token = token
        }
    }

    public var github: GitHub
    public var gitlab: GitLab
    public var azure: Azure

    public init(github: GitHub = GitHub(), gitlab: GitLab = GitLab(), azure: Azure = Azure()) {
        self.github = github
        self.gitlab = gitlab
        self.azure = azure
    }
}
