import Foundation
import GRDB
import NPSimCore

/// The one owner of npsim's SQLite database: connection set-up, custom SQL functions and the migrator.
///
/// The server uses a `DatabasePool` in WAL mode on a file, so readers never wait for the writer; tests and
/// `--in-memory` use a `DatabaseQueue`. GRDB serialises writers, so concurrent clients never see
/// `database is locked`.
public struct AppDatabase: Sendable {
    let writer: any DatabaseWriter
    /// Shares transactions between concurrent writes: new actions and stored delivery attempts (see ``GroupCommit``).
    let groupCommit: GroupCommit
    /// What new actions read of specifications, channels and the hierarchy, remembered (see ``ReferenceData``).
    let referenceMemo = ReferenceData.Memo()
    /// The parsed form of the documents read over and over (see ``ParsedDocuments``).
    let parsedDocuments = ParsedDocuments()

    /// Opens (creating if needed) the database file at `path` and migrates it. With `maximumSize` (bytes),
    /// SQLite refuses to grow the file beyond it (`PRAGMA max_page_count`), which a long-running demo uses to
    /// bound its disk: writes then fail as on a full disk, and everything already stored stays readable.
    public static func file(at path: String, maximumSize: Int? = nil) throws -> AppDatabase {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw DatabaseOpenError(path: path, reason: "its directory \(directory.path) cannot be created (\(error.localizedDescription))")
        }
        var configuration = Self.configuration()
        if let maximumSize {
            configuration.prepareDatabase { db in
                let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
                try db.execute(sql: "PRAGMA max_page_count = \(max(1, maximumSize / pageSize))")
            }
        }
        configuration.busyMode = .timeout(10)
        do {
            let database = try AppDatabase(DatabasePool(path: path, configuration: configuration))
            // A file opened read-only opens without complaint when nothing needs migrating: one write now makes
            // that fail here, with a message that says what to do, rather than somewhere later in start-up.
            try database.writer.write { db in
                let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                try db.execute(sql: "PRAGMA user_version = \(version)")
            }
            return database
        } catch {
            throw DatabaseOpenError(path: path, cause: error)
        }
    }

    /// A private in-memory database, gone when the process exits.
    public static func inMemory() throws -> AppDatabase {
        try AppDatabase(DatabaseQueue(configuration: Self.configuration()))
    }

    init(_ writer: any DatabaseWriter) throws {
        self.writer = writer
        self.groupCommit = GroupCommit(writer: writer)
        try Self.migrator.migrate(writer)
    }

    /// Pages in the write-ahead log after which it is copied into the database (see ``Checkpointer``).
    static let checkpointThreshold: Int32 = 4000

    private static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            db.add(function: nrnVisibleFunction)
            try db.run(sql: "PRAGMA synchronous = NORMAL")
            try db.run(sql: "PRAGMA temp_store = MEMORY")
            // SQLite copies the write-ahead log into the database in the committing connection (the one writer every
            // request waits for) once the log passes this many pages, and then waits for fsync. At its default of
            // 1,000 that was many stalls a second under load; at 4,000 (a log of up to 16 MB) they are a
            // quarter as many, and pages that every transaction touches are copied once instead of four times
            // (fan-out benchmark: a tenth more deliveries per second). While the server runs, the ``Checkpointer``
            // does the copying off the writer, at the same threshold.
            try db.run(sql: "PRAGMA wal_autocheckpoint = \(checkpointThreshold)")
        }
        return configuration
    }

    /// `nrn_visible(owners, query, descendants)`: ``NRN/isVisible(owners:query:includeDescendants:)`` in SQL,
    /// so that list filters page and count in the database. `owners` is one NRN or a comma-separated list.
    private static let nrnVisibleFunction = DatabaseFunction("nrn_visible", argumentCount: 3, pure: true) { values in
        guard let owners = String.fromDatabaseValue(values[0]), let queryText = String.fromDatabaseValue(values[1]),
            let query = try? NRN(parsing: queryText, allowWildcards: true)
        else { return false }
        let descendants = Bool.fromDatabaseValue(values[2]) ?? false
        let parsed = owners.split(separator: ",").compactMap { try? NRN(parsing: String($0), allowWildcards: true) }
        return NRN.isVisible(owners: parsed, query: query, includeDescendants: descendants)
    }
}
