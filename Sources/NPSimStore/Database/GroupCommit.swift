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
        /// Runs the work, in a savepoint when others share the transaction: what resumes the caller once the
        /// transaction commits, or `nil` if the work threw (its caller has its error already).
        let run: @Sendable (Database, _ inSavepoint: Bool) -> (@Sendable () -> Void)?
        let fail: @Sendable (any Error) -> Void
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
                        var value: T?
                        if inSavepoint {
                            try db.inSavepoint {
                                value = try work(db)
                                return .commit
                            }
                        } else {
                            value = try work(db)
                        }
                        let result = value!
                        return { continuation.resume(returning: result) }
                    } catch {
                        continuation.resume(throwing: error)
                        return nil
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

    private func commitWaiting(_ db: Database) {
        let writes = waiting.withLock { waiting in
            defer { waiting.removeAll(keepingCapacity: true) }
            return waiting
        }
        // For each write run so far: what resumes its caller, or nil if it threw (its caller has its error already).
        var outcomes: [(@Sendable () -> Void)?] = []
        // A write alone needs no savepoint (two statements SQLite parses each time): if it throws, the whole
        // transaction rolls back.
        let alone = writes.count == 1
        do {
            try db.inTransaction(.immediate) {
                for write in writes { outcomes.append(write.run(db, !alone)) }
                return alone && outcomes[0] == nil ? .rollback : .commit
            }
        } catch {
            // Nothing of the transaction was stored: the writes that had succeeded in it, and those it never ran, fail.
            for (index, write) in writes.enumerated() where index >= outcomes.count || outcomes[index] != nil {
                write.fail(error)
            }
            return
        }
        for resume in outcomes { resume?() }
    }
}
