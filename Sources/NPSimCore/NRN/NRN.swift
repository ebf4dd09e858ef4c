/// A nullplatform Resource Name: `organization=1:account=2:namespace=3:application=4:scope=5`.
///
/// Levels appear in a fixed order and each is optional after the organization. Ids are digits, or `*`
/// in patterns (`visible_to`, list filters) where a wildcard matches any id at that level.
public struct NRN: Sendable, Hashable, CustomStringConvertible {
    /// The levels of the hierarchy, outermost first.
    public enum Level: String, Sendable, CaseIterable, Comparable {
        case organization, account, namespace, application, scope

        public static func < (lhs: Level, rhs: Level) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    public struct Component: Sendable, Hashable {
        public let level: Level
        /// Digits, or `*`.
        public let id: String
        public var isWildcard: Bool { id == "*" }

        public init(level: Level, id: String) {
            self.level = level
            self.id = id
        }
    }

    public let components: [Component]

    /// Parses an NRN, rejecting anything that does not follow the reference's grammar.
    public init(parsing text: String, allowWildcards: Bool = false) throws(APIError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var components: [Component] = []
        let example = "organization=1:account=2:namespace=3:application=4"
        for (offset, part) in parts.enumerated() {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, offset < Level.allCases.count, String(pair[0]) == Level.allCases[offset].rawValue else {
                throw .validation("'\(text)' is not a valid NRN: expected levels in the order \(example)")
            }
            let id = String(pair[1])
            let validId = !id.isEmpty && (id.allSatisfy(\.isASCII) && id.allSatisfy(\.isNumber) || (allowWildcards && id == "*"))
            guard validId else {
                throw .validation("'\(text)' is not a valid NRN: the id of '\(pair[0])' must be digits\(allowWildcards ? " or *" : "")")
            }
            components.append(Component(level: Level.allCases[offset], id: id))
        }
        self.components = components
    }

    public init(components: [Component]) {
        self.components = components
    }

    public var description: String {
        components.map { "\($0.level.rawValue)=\($0.id)" }.joined(separator: ":")
    }

    public var hasWildcard: Bool { components.contains(where: \.isWildcard) }

    /// The id at a level, if this NRN reaches it.
    public func id(at level: Level) -> String? {
        components.first { $0.level == level }?.id
    }

    /// The NRN one level up, `nil` for an organization.
    public var parent: NRN? {
        components.count > 1 ? NRN(components: Array(components.dropLast())) : nil
    }

    /// This NRN and each of its ancestors, innermost first.
    public var lineage: [NRN] {
        (1...components.count).reversed().map { NRN(components: Array(components.prefix($0))) }
    }

    /// Whether `self` (possibly with wildcards) equals `other` or one of its ancestors.
    public func isAncestorOrSelf(of other: NRN) -> Bool {
        guard components.count <= other.components.count else { return false }
        return zip(components, other.components).allSatisfy { mine, theirs in
            mine.isWildcard || theirs.isWildcard || mine.id == theirs.id
        }
    }
}
