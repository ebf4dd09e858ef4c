import Foundation
import Logging
import NPSimCore

/// Writes each log event as one line on standard error: `--log-format text` (swift-log's layout) or `json` (one
/// object per line, for log collectors).
///
/// Metadata is formatted only when a line is written. swift-log's `StreamLogHandler` formats it each time it is
/// set, and Hummingbird sets a request id on every request's logger, so every request would pay for formatting
/// it, logged or not.
struct LineLogHandler: LogHandler {
    enum Format: String {
        case text
        case json
    }

    let label: String
    let format: Format
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let metadata = self.metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 })
        let timestamp = ISO8601.string(from: Date())
        let line: [UInt8]
        switch format {
        case .json:
            var object: JSONObject = [
                "timestamp": .string(timestamp), "level": .string(event.level.rawValue), "label": .string(label),
                "message": .string(event.message.description),
            ]
            for (key, value) in metadata { object[key] = .string(value.description) }
            line = JSONWriter.bytes(.object(object))
        case .text:
            let pairs = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line = Array("\(timestamp) \(event.level) \(label):\(pairs.isEmpty ? "" : " \(pairs)") [\(event.source)] \(event.message)".utf8)
        }
        FileHandle.standardError.write(Data(line + [0x0A]))
    }
}
