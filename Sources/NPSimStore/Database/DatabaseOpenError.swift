import Foundation
import GRDB

/// The database file could not be opened for writing, with what to do about it. npsim writes from its first moment
/// (migrations, its token key, the API keys), so a file it can only read is refused at start-up, not on the first
/// request.
public struct DatabaseOpenError: Error, CustomStringConvertible {
    public let description: String

    init(path: String, reason: String) {
        description =
            "cannot open the database \(path) for writing: \(reason). Make the file and its directory writable, choose another --db, or run with --in-memory."
    }

    init(path: String, cause: any Error) {
        let reason: String
        switch (cause as? DatabaseError)?.resultCode {
        case .SQLITE_READONLY?, .SQLITE_PERM?, .SQLITE_CANTOPEN?, .SQLITE_AUTH?:
            reason = "it cannot be written by this user (\(Self.ownership(of: path)))"
        case .SQLITE_IOERR?:
            reason = "the file system refused to write it (a read-only mount or an immutable file?)"
        case .SQLITE_FULL?:
            reason = "the disk is full"
        case .SQLITE_NOTADB?, .SQLITE_CORRUPT?:
            reason = "it is not an npsim database (or it is damaged)"
        default:
            reason = "\(cause)"
        }
        self.init(path: path, reason: reason)
    }

    private static func ownership(of path: String) -> String {
        let fileManager = FileManager.default
        let existing = fileManager.fileExists(atPath: path) ? path : URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard let attributes = try? fileManager.attributesOfItem(atPath: existing),
            let permissions = attributes[.posixPermissions] as? Int
        else { return "\(existing) is not accessible" }
        let owner = attributes[.ownerAccountName] as? String ?? "uid \(attributes[.ownerAccountID] ?? "?")"
        return "\(existing) is owned by \(owner) with mode \(String(permissions, radix: 8)); npsim runs as uid \(getuid())"
    }
}
