/// Evaluates a channel's `filters`, a MongoDB-style query, against a notification object.
///
/// Supported: bare equality (`{"path": value}`), `$eq`, `$ne`, `$in`, `$nin`, `$exists`, `$contains`,
/// `$regex`, `$gt`/`$gte`/`$lt`/`$lte` on field conditions; `$and`, `$or`, `$nor` and `$not` as logical
/// operators. Paths are dotted (`service.specification.slug`); where a path crosses an array, the condition
/// holds when it holds for any element, as in MongoDB. An empty filter matches everything. `$regex` runs on
/// ``BoundedRegex``, so no filter can stall routing.
public enum FilterMatcher {
    public static func matches(_ filter: JSONObject, _ document: JSONValue) -> Bool {
        filter.allSatisfy { key, condition in
            switch key {
            case "$and": return condition.arrayValue?.allSatisfy { clause(document, $0) } ?? false
            case "$or": return condition.arrayValue?.contains { clause(document, $0) } ?? false
            case "$nor": return !(condition.arrayValue?.contains { clause(document, $0) } ?? true)
            case "$not": return !clause(document, condition)
            default: return fieldMatches(values(at: key.split(separator: ".").map(String.init), in: document), condition)
            }
        }
    }

    /// Refuses filters npsim cannot evaluate, naming the operator, so a typo does not silently drop notifications.
    public static func validate(_ filter: JSONObject, path: String = "filters") throws(APIError) {
        for (key, condition) in filter {
            switch key {
            case "$and", "$or", "$nor":
                guard let clauses = condition.arrayValue, clauses.allSatisfy({ $0.objectValue != nil }) else {
                    throw .validation("\(path).\(key) must be an array of filter objects")
                }
                for (index, clause) in clauses.enumerated() { try validate(clause.objectValue!, path: "\(path).\(key)[\(index)]") }
            case "$not":
                guard let object = condition.objectValue else { throw .validation("\(path).$not must be a filter object") }
                try validate(object, path: "\(path).$not")
            default:
                if key.hasPrefix("$") {
                    throw .validation("\(path): unknown operator \(key); use \(logical.union(fieldOperators).sorted().joined(separator: ", "))")
                }
                guard case .object(let operators) = condition, operators.keys.contains(where: { $0.hasPrefix("$") }) else { continue }
                for (name, operand) in operators {
                    guard fieldOperators.contains(name) else {
                        throw .validation("\(path).\(key): unknown operator \(name); use \(fieldOperators.sorted().joined(separator: ", "))")
                    }
                    if name == "$in" || name == "$nin", operand.arrayValue == nil { throw .validation("\(path).\(key).\(name) must be an array") }
                    if name == "$regex" {
                        guard let pattern = operand.stringValue else { throw .validation("\(path).\(key).$regex must be a string") }
                        do { _ = try BoundedRegex(pattern) } catch {
                            throw .validation("\(path).\(key).$regex cannot be used: \(error.description)")
                        }
                    }
                }
            }
        }
    }

    static let logical: Set<String> = ["$and", "$or", "$nor", "$not"]
    static let fieldOperators: Set<String> = ["$eq", "$ne", "$in", "$nin", "$exists", "$contains", "$regex", "$gt", "$gte", "$lt", "$lte", "$not"]

    private static func clause(_ document: JSONValue, _ clause: JSONValue) -> Bool {
        clause.objectValue.map { matches($0, document) } ?? false
    }

    /// Every value a dotted path reaches, fanning out through arrays.
    private static func values(at path: some Collection<String>, in value: JSONValue) -> [JSONValue] {
        guard let head = path.first else { return [value] }
        switch value {
        case .object(let object):
            return object[head].map { values(at: path.dropFirst(), in: $0) } ?? []
        case .array(let items):
            if let index = Int(head), items.indices.contains(index) { return values(at: path.dropFirst(), in: items[index]) }
            return items.flatMap { values(at: path, in: $0) }
        default:
            return []
        }
    }

    private static func fieldMatches(_ found: [JSONValue], _ condition: JSONValue) -> Bool {
        guard case .object(let operators) = condition, operators.keys.contains(where: { $0.hasPrefix("$") }) else {
            return found.contains { equals($0, condition) }
        }
        return operators.allSatisfy { name, operand in
            switch name {
            case "$eq": return found.contains { equals($0, operand) }
            case "$ne": return !found.contains { equals($0, operand) }
            case "$in": return found.contains { value in operand.arrayValue?.contains { equals(value, $0) } ?? false }
            case "$nin": return !found.contains { value in operand.arrayValue?.contains { equals(value, $0) } ?? false }
            case "$exists": return (operand == .bool(false)) == found.isEmpty
            case "$contains": return found.contains { contains($0, operand) }
            case "$regex":
                // Linear in the value's length and bounded (see BoundedRegex): a value it cannot decide within its
                // budget does not match.
                guard let pattern = operand.stringValue, let regex = try? BoundedRegex(pattern) else { return false }
                return found.contains { value in value.stringValue.map { regex.firstMatchExists(in: $0) == true } ?? false }
            case "$gt", "$gte", "$lt", "$lte":
                return found.contains {
                    compare($0, operand).map { order in
                        switch name {
                        case "$gt": order > 0
                        case "$gte": order >= 0
                        case "$lt": order < 0
                        default: order <= 0
                        }
                    } ?? false
                }
            case "$not": return !fieldMatches(found, operand)
            default: return false
            }
        }
    }

    /// Equality, where an array field also matches when one of its elements equals the value.
    private static func equals(_ value: JSONValue, _ expected: JSONValue) -> Bool {
        if value.jsonEquals(expected) { return true }
        if case .array(let items) = value { return items.contains { $0.jsonEquals(expected) } }
        return false
    }

    /// `$contains`: a substring of a string, an element of an array, or a sub-object of an object.
    private static func contains(_ value: JSONValue, _ needle: JSONValue) -> Bool {
        switch (value, needle) {
        case (.string(let text), .string(let part)): return text.contains(part)
        case (.array(let items), _): return items.contains { $0.jsonEquals(needle) }
        case (.object(let object), .object(let subset)):
            return subset.allSatisfy { key, member in object[key].map { $0.jsonEquals(member) } ?? false }
        default: return false
        }
    }

    private static func compare(_ a: JSONValue, _ b: JSONValue) -> Int? {
        if let x = a.doubleValue, let y = b.doubleValue { return x < y ? -1 : (x > y ? 1 : 0) }
        if let x = a.stringValue, let y = b.stringValue { return x < y ? -1 : (x > y ? 1 : 0) }
        return nil
    }
}
