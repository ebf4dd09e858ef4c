/// Derives slugs from names the way nullplatform does: lowercase, words joined by `-`.
public enum Slug {
    /// Letters and digits of any script are kept; everything else separates words.
    public static func from(_ name: String) -> String {
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
}
