import ArgumentParser
import Foundation
import NPSimCore

/// `npsim diagnose DIR`: what a failed CI job keeps to find out why. A snapshot to open later with `npsim serve
/// --db`, every action's journal, npsim's health (init scripts' output), and a Markdown summary, also appended to
/// `--summary` (GitHub's `$GITHUB_STEP_SUMMARY`).
struct DiagnoseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "Save a snapshot, every action's journal and a Markdown summary of a running npsim to a directory (for a failed CI job)."
    )

    @OptionGroup var client: ClientOptions
    @Argument(help: "The directory to write to; created if missing.") var directory: String
    @Option(help: "A file to append the Markdown summary to, such as $GITHUB_STEP_SUMMARY.") var summary: String?

    /// The most actions the summary lists one by one; the journals hold every one.
    static let listedActions = 50

    func run() async throws {
        let npsim = try await client.connect()
        let root = URL(fileURLWithPath: directory)
        let journals = root.appendingPathComponent("journals")
        try FileManager.default.createDirectory(at: journals, withIntermediateDirectories: true)

        let health = try await npsim.call("GET", "/_npsim/health")
        try Self.write(health, to: root.appendingPathComponent("health.json"))
        let snapshot = try await npsim.snapshot()
        try Data(snapshot.readableBytesView).write(to: root.appendingPathComponent("npsim.sqlite"))
        let actions = try await npsim.call("GET", "/_npsim/actions")["results"]?.arrayValue ?? []
        try Self.write(.array(actions), to: root.appendingPathComponent("actions.json"))
        for action in actions {
            guard let id = action["id"]?.stringValue else { continue }
            try Self.write(try await npsim.call("GET", "/_npsim/actions/\(id)/journal"), to: journals.appendingPathComponent("\(id).json"))
        }

        let markdown = Self.markdown(actions: actions, health: health, url: client.resolvedURL)
        try Data(markdown.utf8).write(to: root.appendingPathComponent("summary.md"))
        if let summary {
            guard let handle = FileHandle(forWritingAtPath: summary) ?? Self.created(summary) else {
                throw CommandFailure("cannot write the summary to \(summary)")
            }
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(markdown.utf8))
        }
        Output.line("saved npsim.sqlite, health.json, actions.json, summary.md and \(actions.count) journals to \(directory)")
    }

    /// The summary: init scripts that failed, then each action with its status and deliveries, the unfinished and
    /// failed first.
    static func markdown(actions: [JSONValue], health: JSONValue, url: String) -> String {
        var lines = ["## npsim", ""]
        let failedScripts = (health["init"]?["scripts"]?.arrayValue ?? []).filter { $0["status"] == "failed" }
        for script in failedScripts {
            let how = script["error"]?.stringValue ?? script["exit_code"]?.intValue.map { "exit code \($0)" } ?? "failed"
            lines.append("- init script `\(script["name"]?.stringValue ?? "?")` failed (\(how))")
        }
        var counts: [String: Int] = [:]
        for action in actions { counts[action["status"]?.stringValue ?? "unknown", default: 0] += 1 }
        let tally = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        lines.append("\(actions.count) action\(actions.count == 1 ? "" : "s") at \(url)\(tally.isEmpty ? "" : ": " + tally).")
        guard !actions.isEmpty else { return (lines + [""]).joined(separator: "\n") }
        let rank = ["failed": 0, "pending": 1, "in_progress": 1, "cancelled": 2]
        let ordered = actions.enumerated().sorted { left, right in
            let (l, r) = (rank[left.element["status"]?.stringValue ?? ""] ?? 3, rank[right.element["status"]?.stringValue ?? ""] ?? 3)
            return l == r ? left.offset < right.offset : l < r
        }.map(\.element)
        lines += ["", "| action | on | status | deliveries | last delivery error |", "|---|---|---|---|---|"]
        for action in ordered.prefix(listedActions) {
            let deliveries = (action["deliveries"]?.objectValue ?? JSONObject()).map { "\($0.value.intValue ?? 0) \($0.key)" }
            let cells = [
                "\(cell(action["name"])) `\(cell(action["id"]))`", cell(action["parent_name"]), cell(action["status"]),
                deliveries.isEmpty ? "none" : deliveries.joined(separator: ", "), cell(action["last_delivery_error"]),
            ]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        if actions.count > listedActions { lines += ["", "\(actions.count - listedActions) more in actions.json."] }
        lines += ["", "Each action's journal is in `journals/`; open `npsim.sqlite` with `npsim serve --db FILE` to browse it on the dashboard.", ""]
        return lines.joined(separator: "\n")
    }

    /// A table cell: the value's text, with what would break a Markdown table row escaped.
    private static func cell(_ value: JSONValue?) -> String {
        TextTable.cell(value).replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    private static func write(_ value: JSONValue, to url: URL) throws {
        try Data(JSONWriter.string(value, pretty: true).utf8).write(to: url)
    }

    private static func created(_ path: String) -> FileHandle? {
        FileManager.default.createFile(atPath: path, contents: nil) ? FileHandle(forWritingAtPath: path) : nil
    }
}
