import Foundation
import GRDB
import Synchronization
import Testing

@testable import NPSimStore

/// Writes that share transactions: one that throws leaves no trace and takes no other write with it (those run again,
/// and each run rolled back is handed back), and on a database that fills up each one either succeeded and is stored,
/// or failed with the full-database error, even when SQLite rolls a shared transaction back as a whole.
@Suite struct GroupCommitTests {
    struct Refused: Error, Equatable {
        let index: Int
    }

    /// Counts per key, from any task or thread.
    final class Tally: Sendable {
        private let counts = Mutex<[Int: Int]>([:])

        func add(_ key: Int) { counts.withLock { $0[key, default: 0] += 1 } }
        var all: [Int: Int] { counts.withLock { $0 } }
    }

    /// 300 writes at once, behind a first write that holds the writer until all of them have asked to write, so
    /// that they share transactions. Each inserts rows `2i` and `2i + 1`, except where `refuse` says it throws,
    /// before or after inserting them. Returns each write's error, how often each ran and how often a run was
    /// handed back as rolled back.
    private func sharedWrites(
        on database: AppDatabase,
        refuse: @escaping @Sendable (Int) -> (before: Bool, after: Bool)
    ) async throws -> (errors: [Int: (any Error)?], runs: [Int: Int], undone: [Int: Int]) {
        try await database.writer.write { db in try db.execute(sql: "CREATE TABLE item (id INTEGER PRIMARY KEY, note TEXT NOT NULL)") }
        let (runs, undone, asked) = (Tally(), Tally(), Tally())
        let gate = DispatchSemaphore(value: 0)
        // (The holder may run again with the others, and then passes at once.)
        async let holder: Void = database.groupCommit.write { _ in
            gate.wait()
            gate.signal()
        }
        let errors = await withTaskGroup(of: (Int, (any Error)?).self) { group in
            for index in 0..<300 {
                group.addTask {
                    asked.add(index)
                    do {
                        try await database.groupCommit.write(
                            { db in
                                runs.add(index)
                                if refuse(index).before { throw Refused(index: index) }
                                try db.execute(sql: "INSERT INTO item (id, note) VALUES (?, 'first')", arguments: [index * 2])
                                try db.execute(sql: "INSERT INTO item (id, note) VALUES (?, 'second')", arguments: [index * 2 + 1])
                                if refuse(index).after { throw Refused(index: index) }
                            },
                            rolledBack: { undone.add(index) }
                        )
                        return (index, nil)
                    } catch {
                        return (index, error)
                    }
                }
            }
            let deadline = ContinuousClock.now + .seconds(10)
            while asked.all.count < 300, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(1)) }
            gate.signal()
            return await group.reduce(into: [Int: (any Error)?]()) { $0[$1.0] = $1.1 }
        }
        try await holder
        return (errors, runs.all, undone.all)
    }

    /// Checks that exactly the writes `refused` does not name got no error and are stored, and that the connection
    /// is left outside any transaction or savepoint.
    private func expectStored(on database: AppDatabase, errors: [Int: (any Error)?], refused: (Int) -> Bool) async throws {
        for (index, error) in errors {
            if refused(index) {
                #expect(error as? Refused == Refused(index: index), "write \(index): \(String(describing: error))")
            } else {
                #expect(error == nil, "write \(index): \(String(describing: error))")
            }
        }
        let stored = try await database.writer.read { db in try Int.fetchAll(db, sql: "SELECT id FROM item ORDER BY id") }
        let kept: [Int] = (0..<300).filter { !refused($0) }.flatMap { index -> [Int] in [index * 2, index * 2 + 1] }
        #expect(stored.count == kept.count)
        #expect(stored == kept)
        try await database.writer.write { db in try db.execute(sql: "INSERT INTO item (id, note) VALUES (-1, 'after')") }
        let count = try await database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM item") }
        #expect(count == kept.count + 1)
    }

    @Test func aWriteThatThrowsAfterWritingRollsBackAloneWhileTheOthersRunAgainAndCommit() async throws {
        let database = try AppDatabase.inMemory()
        // Every third write throws after inserting its rows; the two before it have run by then.
        let (errors, runs, undone) = try await sharedWrites(on: database) { index in (before: false, after: index % 3 == 2) }
        try await expectStored(on: database, errors: errors) { $0 % 3 == 2 }
        // Each run that returned and was then rolled back was handed back; exactly one run of each write stands.
        for index in 0..<300 where index % 3 != 2 {
            #expect((runs[index] ?? 0) - (undone[index] ?? 0) == 1, "write \(index): \(runs[index] ?? 0) runs, \(undone[index] ?? 0) undone")
        }
        #expect(runs.values.contains { $0 > 1 }, "no write ran again: the writes never shared a transaction with one that threw")
    }

    @Test func aWriteRefusedBeforeItChangedAnythingCostsTheOthersNothing() async throws {
        let database = try AppDatabase.inMemory()
        let (errors, runs, undone) = try await sharedWrites(on: database) { index in (before: index % 2 == 1, after: false) }
        try await expectStored(on: database, errors: errors) { $0 % 2 == 1 }
        #expect(runs.values.allSatisfy { $0 == 1 }, "\(runs.filter { $0.value != 1 })")
        #expect(undone.isEmpty, "\(undone)")
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
