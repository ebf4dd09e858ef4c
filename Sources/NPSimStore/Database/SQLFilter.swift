import Foundation
import GRDB

/// A `WHERE` clause built from optional list filters, and the paged query every list endpoint runs with it:
/// one `COUNT(*)` for `paging.total`, one `SELECT ... LIMIT ? OFFSET ?` for the page.
struct SQLFilter {
    private var clauses: [String] = []
    private var arguments: StatementArguments = []

    /// `column = value`, when a value is given.
    mutating func equals(_ column: String, _ value: (any DatabaseValueConvertible)?) {
        guard let value else { return }
        clauses.append("\(column) = ?")
        arguments += [value]
    }

    /// `column IN (...)`, when the list is not empty.
    mutating func among(_ column: String, _ values: [String]) {
        guard !values.isEmpty else { return }
        clauses.append("\(column) IN (\(Array(repeating: "?", count: values.count).joined(separator: ",")))")
        arguments += StatementArguments(values)
    }

    /// Rows whose NRN `column` lies in the organization: the organization itself or anything under it.
    mutating func within(organization: String?, column: String = "nrn") {
        guard let organization else { return }
        raw("(\(column) = ? OR \(column) LIKE ? ESCAPE '\\')", Self.organizationArguments(organization))
    }

    /// `organization=ID` and the `LIKE` pattern of everything under it, with `LIKE`'s wildcards escaped.
    static func organizationArguments(_ organization: String) -> StatementArguments {
        subtreeArguments("organization=\(organization)")
    }

    /// An NRN and the `LIKE` pattern of everything under it, with `LIKE`'s wildcards escaped, for
    /// `(column = ? OR column LIKE ? ESCAPE '\')`.
    static func subtreeArguments(_ nrn: String) -> StatementArguments {
        let escaped = nrn.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        return [nrn, escaped + ":%"]
    }

    mutating func raw(_ clause: String, _ values: StatementArguments) {
        clauses.append(clause)
        arguments += values
    }

    var sql: String { clauses.isEmpty ? "1" : clauses.joined(separator: " AND ") }

    /// The rows of one page, ordered by `order`, and the total count of matching rows.
    func page(from table: String, columns: String = "*", order: String, limit: Int, offset: Int, in db: Database) throws -> (rows: [Row], total: Int)
    {
        let total = try Int.cachedOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE \(sql)", arguments: arguments) ?? 0
        let rows = try Row.cachedAll(
            db,
            sql: "SELECT \(columns) FROM \(table) WHERE \(sql) ORDER BY \(order) LIMIT ? OFFSET ?",
            arguments: arguments + [limit, offset]
        )
        return (rows, total)
    }
}
