/// A JSON object that remembers the order its keys were inserted in.
///
/// Equality ignores key order, as JSON's does.
public struct JSONObject: Sendable, Hashable, Sequence {
    public private(set) var keys: [String] = []
    private var storage: [String: JSONValue] = [:]

    public init() {}

    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        for (key, value) in pairs { self[key] = value }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public subscript(key: String) -> JSONValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public struct Iterator: IteratorProtocol {
        fileprivate let keys: [String]
        fileprivate let storage: [String: JSONValue]
        fileprivate var index = 0

        public mutating func next() -> (key: String, value: JSONValue)? {
            guard index < keys.count else { return nil }
            defer { index += 1 }
            return (keys[index], storage[keys[index]]!)
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(keys: keys, storage: storage)
    }

    /// The same members, the keys in `order` first (those present) and then the others as they were. The members
    /// themselves are shared, not copied or hashed again.
    public func reordered(_ order: [String]) -> JSONObject {
        var ordered: [String] = []
        ordered.reserveCapacity(keys.count)
        for key in order where storage[key] != nil { ordered.append(key) }
        if ordered.count < keys.count {
            let placed = Set(ordered)
            for key in keys where !placed.contains(key) { ordered.append(key) }
        }
        var result = self
        result.keys = ordered
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
        lhs.storage == rhs.storage
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage)
    }
}
