/// A JSON object that remembers the order its keys were inserted in.
///
/// Members are kept in order in an array and found by scanning it: nearly every object here has a few dozen keys at
/// most, and comparing short keys costs less than hashing one. An object that grows past ``indexThreshold`` members also keeps the positions of
/// its keys, so a large document is not quadratic to build or read.
///
/// Equality ignores key order, as JSON's does.
public struct JSONObject: Sendable, Hashable, Sequence {
    fileprivate struct Member: Sendable {
        let key: String
        var value: JSONValue
    }

    private var members: [Member] = []
    /// Where each key is in `members`, once there are more than ``indexThreshold`` of them.
    private var positions: [String: Int]?

    /// Members beyond which keys are looked up by hash rather than by scanning.
    static let indexThreshold = 24

    public init() {}

    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        for (key, value) in pairs { self[key] = value }
    }

    public var keys: [String] { members.map { $0.key } }
    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }

    private func position(of key: String) -> Int? {
        if let positions { return positions[key] }
        return members.firstIndex { $0.key == key }
    }

    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { members[$0].value } }
        set {
            let position = position(of: key)
            switch (position, newValue) {
            case (let position?, let value?):
                members[position].value = value
            case (nil, let value?):
                members.append(Member(key: key, value: value))
                if positions != nil {
                    positions?[key] = members.count - 1
                } else if members.count > Self.indexThreshold {
                    indexPositions()
                }
            case (let position?, nil):
                members.remove(at: position)
                if positions != nil { indexPositions() }
            case (nil, nil):
                break
            }
        }
    }

    private mutating func indexPositions() {
        positions = Dictionary(uniqueKeysWithValues: members.enumerated().map { ($0.element.key, $0.offset) })
    }

    public struct Iterator: IteratorProtocol {
        fileprivate var base: IndexingIterator<[Member]>

        public mutating func next() -> (key: String, value: JSONValue)? {
            base.next().map { ($0.key, $0.value) }
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(base: members.makeIterator())
    }

    /// The same members, the keys in `order` first (those present) and then the others as they were. The members
    /// themselves are shared, not copied.
    public func reordered(_ order: [String]) -> JSONObject {
        var result = JSONObject()
        result.members.reserveCapacity(members.count)
        var placed = [Bool](repeating: false, count: members.count)
        for key in order {
            if let position = position(of: key), !placed[position] {
                placed[position] = true
                result.members.append(members[position])
            }
        }
        for (position, member) in members.enumerated() where !placed[position] { result.members.append(member) }
        if positions != nil { result.indexPositions() }
        return result
    }

    /// Members of `other` replace or extend this object's; nested objects are merged recursively,
    /// which is how a `PATCH` of `attributes` or `configuration` behaves.
    public func deepMerged(with other: JSONObject) -> JSONObject {
        var result = self
        for (key, value) in other {
            if case .object(let mine) = result[key], case .object(let theirs) = value {
                result[key] = .object(mine.deepMerged(with: theirs))
            } else {
                result[key] = value
            }
        }
        return result
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.count == rhs.count && lhs.members.allSatisfy { rhs[$0.key] == $0.value }
    }

    /// Independent of key order, as equality is: the members' own hashes are combined commutatively.
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for (key, value) in self {
            var member = Hasher()
            member.combine(key)
            member.combine(value)
            combined ^= member.finalize()
        }
        hasher.combine(count)
        hasher.combine(combined)
    }
}
