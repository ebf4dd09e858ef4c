/// The URL the server listens on, known once it has bound its port (which may have been 0); the provider
/// targets use it to reach npsim's own stand-ins, and init scripts wait for it.
actor ListeningAddress {
    private var url: String
    private var bound = false
    private var waiters: [CheckedContinuation<String, Never>] = []

    init(_ url: String) {
        self.url = url
    }

    func set(_ url: String) {
        self.url = url
        bound = true
        for waiter in waiters { waiter.resume(returning: url) }
        waiters.removeAll()
    }

    var current: String { url }

    /// The URL, once the server is listening.
    func whenBound() async -> String {
        if bound { return url }
        return await withCheckedContinuation { waiters.append($0) }
    }
}
