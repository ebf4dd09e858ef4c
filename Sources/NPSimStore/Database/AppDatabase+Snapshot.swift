import Foundation
import GRDB
import NPSimCore

extension AppDatabase {
    /// The tables a snapshot carries: everything npsim holds but its keys and settings.
    static let snapshotTables = [
        "document", "nrn_entity", "counter", "notification", "delivery", "attempt", "provider_run", "provider", "nrn_setting", "action_event",
    ]

    /// A consistent copy of the whole database as one SQLite file's bytes (`VACUUM INTO`: one transaction's view,
    /// compacted).
    public func snapshot() async throws -> Data {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-snapshot-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await writer.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [path]) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw APIError.unavailable("the snapshot could not be read back from \(path)")
        }
        return data
    }

    /// Replaces what npsim holds (everything but its keys and settings) with a snapshot's, in one transaction.
    /// A snapshot from an older npsim is brought up to date first; one from a newer npsim is refused (409).
    /// Deliveries the snapshot had in flight are put back in the queue. Returns the rows loaded, by table.
    public func load(snapshot data: Data) async throws -> [String: Int] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-load-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        guard FileManager.default.createFile(atPath: path, contents: data) else { throw APIError.unavailable("cannot write the snapshot to \(path)") }
        let known = Set(Self.migrator.migrations)
        let applied: [String]
        do {
            applied = try await DatabaseQueue(path: path).read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        } catch {
            throw APIError.validation("the snapshot is not an npsim database: \(error)")
        }
        if let unknown = applied.first(where: { !known.contains($0) }) {
            throw APIError.conflict("the snapshot comes from a newer npsim (it has migration '\(unknown)'); load it with that version")
        }
        // Brings an older snapshot's schema up to this npsim's.
        _ = try AppDatabase(DatabaseQueue(path: path))
        return try await writer.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS snapshot", arguments: [path])
            defer { try? db.execute(sql: "DETACH DATABASE snapshot") }
            var loaded: [String: Int] = [:]
            try db.inTransaction {
                // Children first out, parents first in, for the foreign keys.
                for table in Self.snapshotTables.reversed() { try db.execute(sql: "DELETE FROM main.\(table)") }
                for table in Self.snapshotTables {
                    try db.execute(sql: "INSERT INTO main.\(table) SELECT * FROM snapshot.\(table)")
                    loaded[table] = db.changesCount
                }
                try Outbox.resumeInterrupted(in: db)
                try db.execute(sql: "UPDATE setting SET value = randomblob(16) WHERE key = ?", arguments: [ReferenceData.versionKey])
                return .commit
            }
            return loaded
        }
    }
}
