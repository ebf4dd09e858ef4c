import NPSimDelivery
import NPSimServer

/// The defaults `npsim serve --help` states, read from the values the server applies, so the two cannot drift.
enum Defaults {
    static let server = ServerConfiguration()
    static let delivery = DeliveryPolicy()
    static let tls = TLSSettings()
}

extension Double {
    /// `10` rather than `10.0`; `0.5` stays `0.5`.
    var formatted: String {
        rounded() == self && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}
