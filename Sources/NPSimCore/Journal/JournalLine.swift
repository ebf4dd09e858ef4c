/// One event of an action's journal (`GET /_npsim/actions/{id}/journal`) in a line a person reads: the command
/// line's table and the dashboard's timeline say the same thing.
public enum JournalLine {
    public static func describe(_ event: JSONValue) -> String {
        let detail = event["detail"] ?? [:]
        func text(_ value: JSONValue?) -> String { value?.displayText ?? "-" }
        switch event["event"]?.stringValue {
        case "created":
            return "\(text(detail["name"])) (\(text(detail["type"]))) created by \(text(detail["created_by"]))"
        case "notified":
            let channels = (detail["routing"]?["channels"]?.arrayValue ?? []).map(text)
            let skipped = detail["routing"]?["skipped"]?.arrayValue?.count ?? 0
            let resent = detail["resent_from"].map { ", a resend of \(text($0))" } ?? ""
            return "notification \(text(detail["notification_id"])) to channels [\(channels.joined(separator: ", "))]"
                + (skipped > 0 ? ", \(skipped) skipped" : "") + resent
        case "attempt":
            let status = detail["response_status"]?.intValue.map { " HTTP \($0)" } ?? ""
            let error = detail["error"]?.stringValue.map { ": \($0)" } ?? ""
            let fault = detail["fault"]?.stringValue.map { " [\($0)]" } ?? ""
            let milliseconds = Int((detail["duration_ms"]?.doubleValue ?? 0).rounded())
            return "delivery \(text(detail["delivery_id"])) attempt \(text(detail["number"])) to channel \(text(detail["channel_id"])) "
                + "(\(text(detail["channel_type"]))): \(text(detail["outcome"]))\(status) in \(milliseconds) ms\(error)\(fault)"
        case "reported":
            var parts: [String] = []
            if let status = detail["status"] { parts.append("status \(text(status["from"])) → \(text(status["to"]))") }
            if let results = detail["results"] { parts.append("results \(JSONWriter.string(results))") }
            if let messages = detail["messages"]?.arrayValue, !messages.isEmpty {
                parts.append(messages.map { "\(text($0["level"])): \(text($0["message"]))" }.joined(separator: "; "))
            }
            for kind in ["service", "link"] {
                if let parent = detail[kind]?["status"] { parts.append("\(kind) \(text(parent["from"])) → \(text(parent["to"]))") }
            }
            return "runner reported "
                + (parts.isEmpty ? (detail["fields"]?.arrayValue ?? []).map(text).joined(separator: ", ") : parts.joined(separator: ", "))
        case "api_fault":
            return "\(text(detail["method"])) \(text(detail["path"])): \(text(detail["fault"]))"
        default:
            return JSONWriter.string(detail)
        }
    }
}
