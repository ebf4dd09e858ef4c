import GRDB
import Synchronization

/// Runs concurrent writes in shared transactions: the writes that arrive while the writer is busy are run together
/// in its next transaction, each in a savepoint of its own. A burst of actions then costs SQLite one commit and one
/// set of write-ahead-log frames for the pages the actions share (the tables' last pages, the indexes' hot pages)
/// instead of one each: half the bytes written to disk in the fan-out benchmark.
///
/// Each write still happens entirely or not at all: one that throws rolls back its savepoint and gets its error at
/// once; the others go on. Callers are resumed only after the shared transaction commits; if the commit fails (a
/// full disk), every write in it gets that error and none of them happened.
public final class GroupCommit: Sendable {
    private struct Write: Sendable {
        /// Runs the work, in a savepoint when others share the transaction.
        let run: @Sendable (Database, _ inSavepoint: Bool) -> Outcome
        let fail: @Sendable (any Error) -> Void
    }

    private enum Outcome {
        /// What resumes the caller once the transaction commits.
        case done(@Sendable () -> Void)
        /// The work threw; its caller has its error already.
        case failed(any Error)
    }

    private let writer: any DatabaseWriter
    private let waiting = Mutex<[Write]>([])

    init(writer: any DatabaseWriter) {
        self.writer = writer
    }

    /// Runs `work` in the next shared transaction and returns its result once that transaction has committed.
    public func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let write = Write(
                run: { db, inSavepoint in
                    do {
                        let result = try inSavepoint ? Self.inCachedSavepoint(db) { try work(db) } : work(db)
                        return .done { continuation.resume(returning: result) }
                    } catch {
                        continuation.resume(throwing: error)
                        return .failed(error)
                    }
                },
                fail: { continuation.resume(throwing: $0) }
            )
            let first = waiting.withLock { waiting in
                waiting.append(write)
                return waiting.count == 1
            }
            // The first write to wait schedules the transaction that takes every write waiting by the time it runs.
            if first { writer.asyncWriteWithoutTransaction { db in self.commitWaiting(db) } }
        }
    }

    /// Runs `work` in a savepoint that is rolled back if it throws. GRDB's `inSavepoint` parses its `SAVEPOINT` and
    /// `RELEASE` statements anew each time (3% of the CPU of a fan-out, two per action); these are prepared once per
    /// connection. GRDB still sees them execute, so its view of the savepoint stack stays right.
    private static func inCachedSavepoint<T>(_ db: Database, _ work: () throws -> T) throws -> T {
        try db.cachedStatement(sql: "SAVEPOINT group_write").execute()
        do {
            let value = try work()
            try db.cachedStatement(sql: "RELEASE SAVEPOINT group_write").execute()
            return value
        } catch {
            // After an error that rolled the whole transaction back (a full disk), there is no savepoint left to undo.
            if db.isInsideTransaction {
                try? db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT group_write").execute()
                try? db.cachedStatement(sql: "RELEASE SAVEPOINT group_write").execute()
            }
            throw error
        }
    }

    private func commitWaiting(_ db: Database) {
        let writes = waiting.withLock { waiting in
            defer { waiting.removeAll(keepingCapacity: true) }
            return waiting
        }
        var outcomes: [Outcome] = []
        // Set when SQLite rolled the whole transaction back after an error (a full disk, an I/O error), which it
        // may do even inside a savepoint: nothing of the transaction stays, so no write of it may succeed.
        var rolledBackBy: (any Error)?
        // A write alone needs no savepoint (two statements SQLite parses each time): if it throws, the whole
        // transaction rolls back.
        let alone = writes.count == 1
        do {
            try db.inTransaction(.immediate) {
                for write in writes {
                    let outcome = write.run(db, !alone)
                    outcomes.append(outcome)
                    if case .failed(let error) = outcome, alone || !db.isInsideTransaction {
                        rolledBackBy = error
                        return .rollback
                    }
                }
                return .commit
            }
        } catch {
            rolledBackBy = error
        }
        if let cause = rolledBackBy {
            for (index, write) in writes.enumerated() {
                if index < outcomes.count, case .failed = outcomes[index] { continue }
                write.fail(cause)
            }
            return
        }
        for case .done(let resume) in outcomes { resume() }
    }
}
