import Foundation
import GRDB
import NPSimStore
import Testing

/// Writes that share transactions on a database that fills up: each one either succeeded and is stored, or failed
/// with the full-database error, even when SQLite rolls a shared transaction back as a whole.
@Suite struct GroupCommitTests {
    @Test func sharedWritesOnAFillingDatabaseEachSucceedOrFailAsFullAndNothingElse() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-group-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try AppDatabase.file(at: directory.appendingPathComponent("npsim.sqlite").path, maximumSize: 1 << 20)
        try await database.writer.write { db in try db.execute(sql: "CREATE TABLE filler (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)") }

        let outcomes = await withTaskGroup(of: (Int, (any Error)?).self) { group in
            for index in 0..<300 {
                group.addTask {
                    do {
                        try await database.groupCommit.write { db in
                            try db.execute(sql: "INSERT INTO filler (id, payload) VALUES (?, zeroblob(8000))", arguments: [index])
                        }
                        return (index, nil)
                    } catch {
                        return (index, error)
                    }
                }
            }
            return await group.reduce(into: [Int: (any Error)?]()) { $0[$1.0] = $1.1 }
        }
        let succeeded = Set(outcomes.filter { $0.value == nil }.map(\.key))
        let failures = outcomes.compactMap { $0.value }
        // How many are stored depends on how the writes were grouped: a write that finds the disk full can make
        // SQLite roll back the whole transaction it shares, and every write in it is then refused.
        #expect(!failures.isEmpty, "the database never filled up: \(succeeded.count) stored")
        for failure in failures {
            #expect((failure as? DatabaseError)?.resultCode == .SQLITE_FULL, "\(failure)")
        }
        let stored = try await database.writer.read { db in try Int.fetchAll(db, sql: "SELECT id FROM filler") }
        #expect(Set(stored) == succeeded)
    }
}
