/// The URL the server listens on, known once it has bound its port (which may have been 0); the provider
/// targets use it to reach npsim's own stand-ins.
actor ListeningAddress {
    private var url: String

    init(_ url: String) {
        self.url = url
    }

    func set(_ url: String) {
        self.url = url
    }

    var current: String { url }
}
