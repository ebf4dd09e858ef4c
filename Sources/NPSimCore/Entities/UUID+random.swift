import Foundation

extension UUID {
    /// A version 4 UUID from the standard library's system generator (`getrandom`). Foundation's `UUID()` on Linux
    /// opens and reads `/dev/urandom` for each one, two system calls more for every id of every action.
    public static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        var bytes = (generator.next() as UInt64, generator.next() as UInt64)
        return withUnsafeMutableBytes(of: &bytes) { raw in
            raw[6] = (raw[6] & 0x0F) | 0x40  // version 4
            raw[8] = (raw[8] & 0x3F) | 0x80  // RFC 4122 variant
            return raw.load(as: UUID.self)
        }
    }

    /// The lowercase text form that nullplatform's ids use.
    public static func randomId() -> String {
        random().uuidString.lowercased()
    }
}
