import NPSimCore

/// A plain-text table: a header and rows, columns padded to their widest cell, long cells cut (but those of the last
/// column, which has the rest of the line).
struct TextTable {
    let columns: [String]
    var rows: [[String]] = []
    static let maximumCellWidth = 60

    init(_ columns: String...) {
        self.columns = columns
    }

    mutating func add(_ cells: String...) {
        rows.append(
            cells.enumerated().map { index, cell in
                index < columns.count - 1 && cell.count > Self.maximumCellWidth ? String(cell.prefix(Self.maximumCellWidth - 1)) + "…" : cell
            }
        )
    }

    var text: String {
        guard !rows.isEmpty else { return "(none)" }
        let widths = columns.indices.map { index in ([columns] + rows).map { $0.indices.contains(index) ? $0[index].count : 0 }.max() ?? 0 }
        return ([columns] + rows).map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// A JSON scalar as a cell: strings bare, null as "-".
    static func cell(_ value: JSONValue?) -> String {
        value?.displayText ?? "-"
    }
}
