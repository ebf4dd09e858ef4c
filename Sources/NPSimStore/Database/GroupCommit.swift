import GRDB
import Synchronization

/// Runs concurrent writes in shared transactions: the writes that arrive while the writer is busy are run together
/// in its next transaction. A burst of actions then costs SQLite one commit and one set of write-ahead-log frames
/// for the pages the actions share (the tables' last pages, the indexes' hot pages) instead of one each.
///
/// Each write still happens entirely or not at all, and one that throws takes no other with it. The writes of a
/// transaction first run back to back; if one throws after it changed rows, it gets its error, the transaction is
/// rolled back and the others run again, each in a savepoint of its own, where one that throws rolls back alone. A
/// savepoint costs SQLite a copy of every page the write touches, so only a
/// transaction that needs them pays; a write refused before it changed anything (a request that fails validation)
/// needs none.
///
/// Work may therefore run more than once: each run that was rolled back after it returned is handed to the write's
/// `rolledBack`, so that the work can give back what it took outside the database. Callers are resumed only after
/// the shared transaction commits; if the commit fails (a full disk), every write in it gets that error and none of
/// them happened.
public final class GroupCommit: Sendable {
    private struct Write: Sendable {
        /// Runs the work, in a savepoint when asked to.
        let run: @Sendable (Database, _ inSavepoint: Bool) -> Outcome
        let fail: @Sendable (any Error) -> Void
    }

    private enum Outcome {
        /// The work returned: `resume` answers its caller once the transaction commits; `undo` tells the work that
        /// this run was rolled back.
        case done(resume: @Sendable () -> Void, undo: @Sendable () -> Void)
        /// The work threw; its caller has its error already.
        case failed(any Error)
    }

    private let writer: any DatabaseWriter
    private let waiting = Mutex<[Write]>([])

    init(writer: any DatabaseWriter) {
        self.writer = writer
    }

    /// Runs `work` in the next shared transaction and returns its result once that transaction has committed.
    ///
    /// - Parameter rolledBack: called with the result of each run of `work` that was rolled back after all (another
    ///   write of the transaction threw, or the commit failed); `work` may then run again.
    public func write<T: Sendable>(
        _ work: @escaping @Sendable (Database) throws -> T,
        rolledBack: @escaping @Sendable (T) -> Void = { _ in }
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let write = Write(
                run: { db, inSavepoint in
                    do {
                        let result = try inSavepoint ? Self.inSavepoint(db) { try work(db) } : work(db)
                        return .done(resume: { continuation.resume(returning: result) }, undo: { rolledBack(result) })
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

    /// Runs `work` in a savepoint that is rolled back if it throws.
    private static func inSavepoint<T>(_ db: Database, _ work: () throws -> T) throws -> T {
        var value: T?
        try db.inSavepoint {
            value = try work()
            return .commit
        }
        return value!
    }

    private func commitWaiting(_ db: Database) {
        var writes = waiting.withLock { waiting in
            defer { waiting.removeAll(keepingCapacity: true) }
            return waiting
        }
        var inSavepoints = false
        while !writes.isEmpty {
            var outcomes: [Outcome] = []
            // Set when nothing of the transaction may stay: SQLite rolled it back after an error (a full disk, an I/O
            // error), which it may do even inside a savepoint, or the commit failed. The writes that did not throw
            // on their own get this error.
            var lostTo: (any Error)?
            var runAgain = false
            do {
                try db.inTransaction(.immediate) {
                    for write in writes {
                        let changes = db.totalChangesCount
                        let outcome = write.run(db, inSavepoints)
                        outcomes.append(outcome)
                        guard case .failed(let error) = outcome else { continue }
                        if !db.isInsideTransaction {
                            lostTo = error
                            return .rollback
                        }
                        // Rolled back to its savepoint, or it threw before changing a row (a refused request, the
                        // common case): nothing of it is left to undo.
                        if inSavepoints || db.totalChangesCount == changes { continue }
                        // Roll back; the others (if any) run again.
                        runAgain = true
                        return .rollback
                    }
                    return .commit
                }
            } catch {
                lostTo = error
            }
            if let cause = lostTo {
                for write in Self.undo(writes, outcomes) { write.fail(cause) }
                return
            }
            if runAgain {
                writes = Self.undo(writes, outcomes)
                inSavepoints = writes.count > 1
                continue
            }
            for case .done(let resume, _) in outcomes { resume() }
            return
        }
    }

    /// After a transaction was rolled back: tells each write that ran that its run was undone, and returns the
    /// writes that did not throw (those that ran and those that had not run yet).
    private static func undo(_ writes: [Write], _ outcomes: [Outcome]) -> [Write] {
        writes.enumerated().compactMap { index, write in
            guard index < outcomes.count else { return write }
            switch outcomes[index] {
            case .failed:
                return nil
            case .done(_, let undo):
                undo()
                return write
            }
        }
    }
}
