import GRDB
import NPSimCore

extension APIError {
    /// What a client is told when SQLite refuses a request: a 503 naming the cause for what the client cannot fix
    /// (a full disk, a read-only file), a 409 for a constraint; `nil` when `error` is not SQLite's.
    public init?(storageFailure: any Error) {
        guard let error = storageFailure as? DatabaseError else { return nil }
        self =
            switch error.resultCode {
            case .SQLITE_FULL:
                .unavailable(
                    "the database is full (the disk, or the --max-db-size limit): free space or raise the limit, then retry; nothing already accepted was lost"
                )
            case .SQLITE_READONLY:
                .unavailable("the database file is read-only; make it writable and retry; nothing already accepted was lost")
            case .SQLITE_BUSY, .SQLITE_LOCKED: .unavailable("the database is busy; retry the request")
            case .SQLITE_IOERR:
                .unavailable(
                    "the database file could not be written (\(error.message ?? "I/O error"): a read-only file system, an immutable file or a failing disk); make it writable and retry; nothing already accepted was lost"
                )
            case .SQLITE_CONSTRAINT: .conflict("the request conflicts with stored data: \(error.message ?? "constraint failed")")
            default: APIError(status: 500, code: "database_error", message: "database error: \(error.message ?? "\(error)")")
            }
    }
}
