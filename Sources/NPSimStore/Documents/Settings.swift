import Foundation
import GRDB

/// Server-wide values that must survive restarts, such as the token signing key.
public enum Settings {
    /// The stored value for `key`, created with `make` the first time it is asked for.
    public static func value(_ key: String, in db: Database, orCreate make: () -> [UInt8]) throws -> [UInt8] {
        if let stored = try stored(key, in: db) { return Array(stored) }
        let value = make()
        try db.run(sql: "INSERT INTO setting (key, value) VALUES (?, ?)", arguments: [key, Data(value)])
        return value
    }

    /// The stored value for `key`, `nil` when there is none.
    static func stored(_ key: String, in db: Database) throws -> Data? {
        try Data.cachedOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key])
    }
}
