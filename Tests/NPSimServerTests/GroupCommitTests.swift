import Foundation
import GRDB
import NPSimStore
import Testing

/// Writes that share transactions: one that throws leaves no trace and takes no other write with it, and on a
/// database that fills up each one either succeeded and is stored, or failed with the full-database error, even when
/// SQLite rolls a shared transaction back as a whole.
@Suite struct GroupCommitTests {
    struct Refused: Error, Equatable {
        let index: Int
    }

    @Test func aWriteThatThrowsRollsBackAloneAndGetsItsOwnError() async throws {
        let database = try AppDatabase.inMemory()
        try await database.writer.write { db in try db.execute(sql: "CREATE TABLE item (id INTEGER PRIMARY KEY, note TEXT NOT NULL)") }

        // Every third write inserts its rows and then throws; 300 at once share transactions in savepoints.
        let outcomes = await withTaskGroup(of: (Int, (any Error)?).self) { group in
            for index in 0..<300 {
                group.addTask {
                    do {
                        try await database.groupCommit.write { db in
                            try db.execute(sql: "INSERT INTO item (id, note) VALUES (?, 'first')", arguments: [index * 2])
                            try db.execute(sql: "INSERT INTO item (id, note) VALUES (?, 'second')", arguments: [index * 2 + 1])
                            if index % 3 == 0 { throw Refused(index: index) }
                        }
                        return (index, nil)
                    } catch {
                        return (index, error)
                    }
                }
            }
            return await group.reduce(into: [Int: (any Error)?]()) { $0[$1.0] = $1.1 }
        }
        for (index, error) in outcomes {
            if index % 3 == 0 {
                #expect(error as? Refused == Refused(index: index), "write \(index): \(String(describing: error))")
            } else {
                #expect(error == nil, "write \(index): \(String(describing: error))")
            }
        }
        let stored = try await database.writer.read { db in try Int.fetchAll(db, sql: "SELECT id FROM item ORDER BY id") }
        let kept: [Int] = (0..<300).filter { $0 % 3 != 0 }.flatMap { index -> [Int] in [index * 2, index * 2 + 1] }
        #expect(stored == kept)
        // The connection is left outside any transaction or savepoint: a plain write after them commits.
        try await database.writer.write { db in try db.execute(sql: "INSERT INTO item (id, note) VALUES (-1, 'after')") }
        let count = try await database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM item") }
        #expect(count == kept.count + 1)
    }

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
