import GRDB

/// Monotonic integer ids (notification channels and API keys have integer ids in nullplatform's API).
/// Never reused, even after a delete.
enum Counters {
    static func next(_ name: String, in db: Database) throws -> Int {
        try db.run(sql: "INSERT INTO counter (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1", arguments: [name])
        return try Int.cachedOne(db, sql: "SELECT value FROM counter WHERE name = ?", arguments: [name]) ?? 1
    }
}
