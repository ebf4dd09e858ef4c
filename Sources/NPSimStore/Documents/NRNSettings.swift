import GRDB
import NPSimCore

/// `/nrn/{nrn}`: nullplatform's key-value store along the NRN tree. Keys are `namespace.key`; a read at an NRN
/// sees its ancestors' values, deep-merged with the nearer level winning, unless it asks for one level only.
extension AppDatabase {
    /// `{"nrn": ..., "namespaces": {"<namespace>": {"<key>": value}}}` for the keys asked for (`ns.key`, or `ns.*`
    /// for a whole namespace; every key when none is asked for).
    public func nrnSettings(_ nrn: NRN, ids: [String], merge: Bool) async throws -> JSONValue {
        try await writer.read { db in try NRNSettings.read(nrn, ids: ids, merge: merge, in: db) }
    }

    /// Sets each `namespace.key` of `values` at `nrn` (a `null` value removes the key) and returns that level's.
    @discardableResult
    public func patchNRNSettings(_ nrn: NRN, _ values: JSONObject) async throws -> JSONValue {
        try await writer.write { db in
            try NRNSettings.patch(nrn, values, in: db)
            return try NRNSettings.read(nrn, ids: [], merge: false, in: db)
        }
    }
}

enum NRNSettings {
    static func patch(_ nrn: NRN, _ values: JSONObject, in db: Database) throws {
        for (key, value) in values {
            guard Self.split(key) != nil else {
                throw APIError.validation("'\(key)' is not a namespaced key; write it as <namespace>.<key>, e.g. global.region")
            }
            if value == .null {
                try db.execute(sql: "DELETE FROM nrn_setting WHERE nrn = ? AND key = ?", arguments: [nrn.description, key])
            } else {
                try db.execute(
                    sql: "INSERT INTO nrn_setting (nrn, key, value) VALUES (?, ?, ?) ON CONFLICT (nrn, key) DO UPDATE SET value = excluded.value",
                    arguments: [nrn.description, key, JSONWriter.string(value)]
                )
            }
        }
    }

    static func read(_ nrn: NRN, ids: [String], merge: Bool, in db: Database) throws -> JSONValue {
        let levels = merge ? nrn.lineage.reversed() : [nrn]
        var merged = JSONObject()
        for level in levels {
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM nrn_setting WHERE nrn = ? ORDER BY key", arguments: [level.description]) {
                let key: String = row["key"]
                guard ids.isEmpty || ids.contains(where: { Self.matches(key, $0) }), let (namespace, name) = Self.split(key) else { continue }
                let value = (try? JSONParser.parse(row["value"] as String)) ?? .null
                var space = merged[namespace]?.objectValue ?? JSONObject()
                if case .object(let older) = space[name], case .object(let newer) = value {
                    space[name] = .object(older.deepMerged(with: newer))
                } else {
                    space[name] = value
                }
                merged[namespace] = .object(space)
            }
        }
        return ["nrn": .string(nrn.description), "namespaces": .object(merged)]
    }

    private static func split(_ key: String) -> (String, String)? {
        guard let dot = key.firstIndex(of: "."), dot != key.startIndex, key.index(after: dot) != key.endIndex else { return nil }
        return (String(key[..<dot]), String(key[key.index(after: dot)...]))
    }

    private static func matches(_ key: String, _ pattern: String) -> Bool {
        pattern.hasSuffix(".*") ? key.hasPrefix(pattern.dropLast()) : key == pattern
    }
}
