import Glibc
import NPSimCore
import Synchronization

/// The parsed form of the documents read over and over (the specification, the service and the channels that every
/// new action reads), each kept with its exact stored text. A read whose text is byte for byte the cached one
/// reuses the parse, which was the largest single cost of creating an action; any write changes the text, so an
/// entry is never stale and nothing needs invalidating. Each ``AppDatabase`` has its own, bounded.
final class ParsedDocuments: Sendable {

    private struct Entry {
        let text: String
        let object: JSONObject
    }

    private let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])

    init(capacity: Int = 256) {
        self.capacity = capacity
    }

    func object(kind: EntityKind, id: String, text: String) throws -> JSONObject {
        let key = "\(kind.rawValue)/\(id)"
        if let entry = entries.withLock({ $0[key] }), Self.sameBytes(entry.text, text) { return entry.object }
        let object = try Self.parse(text)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(text: text, object: object)
        }
        return object
    }

    static func parse(_ text: String) throws -> JSONObject {
        guard case .object(let object) = try JSONParser.parse(text) else {
            throw APIError.unavailable("a stored document is not a JSON object; the database may be corrupt")
        }
        return object
    }

    /// Byte equality: `String ==` compares by canonical equivalence, which would take two different stored texts
    /// for the same document.
    private static func sameBytes(_ first: String, _ second: String) -> Bool {
        var first = first
        var second = second
        return first.withUTF8 { a in
            second.withUTF8 { b in a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0) }
        }
    }
}
