import Foundation
import GRDB
import Logging
import Testing

@testable import NPSimStore

/// The write-ahead log is copied into the database by the checkpointer, off the writer, and still starts over
/// rather than grows under writes that never pause; when the checkpointer stops, SQLite's own checkpoints are back.
@Suite struct CheckpointerTests {
    @Test func theLogStaysBoundedUnderSteadyWritesAndAutomaticCheckpointsComeBack() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-checkpoint-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("npsim.sqlite").path
        let database = try AppDatabase.file(at: path)
        try await database.writer.write { db in try db.execute(sql: "CREATE TABLE filler (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)") }
        func automaticCheckpoint() async throws -> Int {
            try await database.writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") ?? -1 }
        }
        func size(_ file: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: file)[.size]) as? Int) ?? 0 }

        let checkpointer = Task { try await Checkpointer(database: database, path: path, logger: Logger(label: "test")).run() }
        // SQLite reports no automatic checkpoints while another hook has replaced them.
        try await eventually("the checkpointer's hook is installed") { try await automaticCheckpoint() == 0 }

        let pageSize = 4096
        let threshold = Int(AppDatabase.checkpointThreshold)
        let transactions = 300
        let rowsPerTransaction = 50  // a row of 4,000 bytes fills about one page: 15,000 pages in all
        var largestLog = 0
        for transaction in 0..<transactions {
            try await database.writer.write { db in
                for row in 0..<rowsPerTransaction {
                    try db.execute(
                        sql: "INSERT INTO filler (id, payload) VALUES (?, zeroblob(4000))",
                        arguments: [transaction * rowsPerTransaction + row]
                    )
                }
            }
            largestLog = max(largestLog, size(path + "-wal"))
        }
        let written = transactions * rowsPerTransaction * pageSize
        #expect(largestLog < 2 * threshold * pageSize, "the log grew to \(largestLog) bytes of the \(written) written")
        #expect(size(path) > written / 2, "the database file holds what was copied: \(size(path)) bytes")

        checkpointer.cancel()
        try await checkpointer.value
        #expect(try await automaticCheckpoint() == threshold)
        let stored = try await database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM filler") }
        #expect(stored == transactions * rowsPerTransaction)
        let check = try await database.writer.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
        #expect(check == "ok")
    }
}
