import GRDB
import GRDBSQLite
import Logging
import NPSimCore
import Synchronization

/// Copies the write-ahead log into the database file on a connection of its own, so that the one writer every
/// request waits for is not held up doing it.
///
/// SQLite checkpoints in the connection that commits: the commit that takes the log past
/// ``AppDatabase/checkpointThreshold`` pages also copies them all and waits for two `fsync`s, about 13 ms here,
/// while every request queued behind the writer waits too (a p99 of 13.5 ms with one client, against 1.9 ms with no
/// checkpoints at all). Here a commit that passes the threshold only wakes this checkpointer, which copies the log
/// on its own connection; SQLite's passive checkpoint never blocks the writer or the readers.
///
/// The log can only start over from its beginning, rather than grow, once a write begins with all of it copied,
/// which under steady writes never happens by itself. So when the copy is done, the writer's next commit
/// checkpoints the few pages written meanwhile itself: short, and the write after it restarts the log.
///
/// While ``run()`` runs, the writer's automatic checkpoints are replaced by a hook on its commits; when it returns,
/// they are back, so a database is never left without checkpoints.
public struct Checkpointer: Sendable {
    private let database: AppDatabase
    private let path: String
    private let logger: Logger

    /// `path` is the file `database` was opened from (``AppDatabase/file(at:maximumSize:)``).
    public init(database: AppDatabase, path: String, logger: Logger) {
        self.database = database
        self.path = path
        self.logger = logger
    }

    /// Checkpoints whenever the writer's log has grown by the threshold, until the task is cancelled.
    public func run() async throws {
        let connection = try DatabaseQueue(path: path)
        let state = State(threshold: AppDatabase.checkpointThreshold)
        let retained = Unmanaged.passRetained(state)
        try await database.writer.writeWithoutTransaction { db in
            _ = sqlite3_wal_hook(db.sqliteConnection, Self.onCommit, retained.toOpaque())
        }
        for await _ in state.wakeup.stream {
            do {
                try await connection.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
                state.copied.store(true, ordering: .releasing)
            } catch {
                logger.error("the write-ahead log of \(path) could not be copied into the database (\(error)); trying again after more writes")
            }
        }
        // Automatic checkpoints again (which replaces the hook), and only then is the hook's state let go.
        try restoreAutomaticCheckpoints()
        retained.release()
    }

    /// Blocking, not async: it runs as the task is cancelled, when GRDB's async writes refuse to start.
    private func restoreAutomaticCheckpoints() throws {
        try database.writer.writeWithoutTransaction { db in
            _ = sqlite3_wal_autocheckpoint(db.sqliteConnection, AppDatabase.checkpointThreshold)
        }
    }

    /// SQLite's WAL hook, run by the writer after each commit with the number of pages now in the log.
    private static let onCommit: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = {
        context,
        db,
        _,
        pages in
        guard let context else { return SQLITE_OK }
        let state = Unmanaged<State>.fromOpaque(context).takeUnretainedValue()
        if state.copied.exchange(false, ordering: .acquiringAndReleasing) {
            // The checkpointer copied the log: copy what was written since, so that the next write starts it over.
            // What this returns is ignored, as SQLite's own hook does: the commit has happened, and an error here
            // (the checkpointer busy again) would be reported as the commit's.
            _ = sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        } else {
            state.committed(pages: pages)
        }
        return SQLITE_OK
    }

    /// What the hook and the checkpointer share. The page counts are only touched by the hook, on the writer.
    private final class State: Sendable {
        let wakeup = Wakeup()
        /// Set by the checkpointer when it has copied the log; the writer's next commit takes it.
        let copied = Atomic<Bool>(false)
        private let threshold: Int32
        private let lastPages = Atomic<Int32>(0)
        private let nextWakeup: Atomic<Int32>

        init(threshold: Int32) {
            self.threshold = threshold
            self.nextWakeup = Atomic(threshold)
        }

        /// Wakes the checkpointer each time the log has grown by the threshold since it last did (a log that
        /// readers keep from starting over is not copied again at every commit).
        func committed(pages: Int32) {
            if pages < lastPages.load(ordering: .relaxed) { nextWakeup.store(threshold, ordering: .relaxed) }
            lastPages.store(pages, ordering: .relaxed)
            guard pages >= nextWakeup.load(ordering: .relaxed) else { return }
            nextWakeup.store(pages + threshold, ordering: .relaxed)
            wakeup.notify()
        }
    }
}
