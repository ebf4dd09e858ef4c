/// Derives slugs from names the way nullplatform does: lowercase, words joined by `-`.
public enum Slug {
    /// Letters and digits of any script are kept; everything else separates words.
    public static func from(_ name: String) -> String {
        // Most names are ASCII, where a letter or digit is one byte: every action derives its slug from its name, and
        // need not go through `Character`s and their Unicode properties for it.
        if name.utf8.allSatisfy({ $0 < 0x80 }) { return fromASCII(name) }
        var slug = ""
        var pendingDash = false
        for character in name.lowercased() {
            if character.isLetter || character.isNumber {
                if pendingDash, !slug.isEmpty { slug.append("-") }
                slug.append(character)
                pendingDash = false
            } else {
                pendingDash = true
            }
        }
        return slug
    }

    static func fromASCII(_ name: String) -> String {
        var slug: [UInt8] = []
        slug.reserveCapacity(name.utf8.count)
        var pendingDash = false
        for byte in name.utf8 {
            let lower = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
            if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(lower) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(lower) {
                if pendingDash, !slug.isEmpty { slug.append(UInt8(ascii: "-")) }
                slug.append(lower)
                pendingDash = false
            } else {
                pendingDash = true
            }
        }
        return String(decoding: slug, as: UTF8.self)
    }
}
