import CryptoExtras

/// The GitHub App's private key, made on first use.
///
/// A configured key (`--github-app-key`) is used as is. Otherwise `load` makes or reads the key npsim keeps for
/// its own stand-in; generating an RSA key takes tens of milliseconds, so it is not done at start-up, where it
/// would dominate npsim's cold start.
public actor GitHubAppKey {
    private var key: _RSA.Signing.PrivateKey?
    private let load: @Sendable () async throws -> _RSA.Signing.PrivateKey

    public init(configured: _RSA.Signing.PrivateKey?, load: @escaping @Sendable () async throws -> _RSA.Signing.PrivateKey) {
        self.key = configured
        self.load = load
    }

    public func privateKey() async throws -> _RSA.Signing.PrivateKey {
        if let key { return key }
        let loaded = try await load()
        key = loaded
        return loaded
    }
}
