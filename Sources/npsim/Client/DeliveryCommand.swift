import ArgumentParser
import NPSimCore

/// `npsim delivery list|show|retry|follow`: the delivery queue, one delivery per notification and channel.
struct DeliveryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delivery",
        abstract: "List, show, retry and follow deliveries.",
        subcommands: [List.self, Show.self, Retry.self, Follow.self],
        aliases: ["deliveries"]
    )

    /// The last attempt's outcome in a few words: the status code or the error.
    static func lastOutcome(_ delivery: JSONValue) -> String {
        if let code = delivery["last_status_code"]?.intValue { return "HTTP \(code)" }
        return TextTable.cell(delivery["last_error"])
    }

    static func table(_ deliveries: [JSONValue]) -> TextTable {
        var table = TextTable("ID", "NOTIFICATION", "CHANNEL", "TYPE", "STATUS", "ATTEMPTS", "LAST")
        for delivery in deliveries {
            table.add(
                TextTable.cell(delivery["id"]),
                TextTable.cell(delivery["notification_id"]),
                TextTable.cell(delivery["channel_id"]),
                TextTable.cell(delivery["channel_type"]),
                TextTable.cell(delivery["status"]),
                TextTable.cell(delivery["attempts"]),
                lastOutcome(delivery)
            )
        }
        return table
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List deliveries, newest first."
        )

        @OptionGroup var client: ClientOptions
        @Option(help: "Only this status (pending, delivered, failed, dead).") var status: String?
        @Option(help: "Only deliveries of this notification.") var notification: String?
        @Option(help: "At most this many.") var limit = 50

        func run() async throws {
            let path = NPSimClient.path("/_npsim/deliveries", ["limit": String(limit), "status": status, "notification_id": notification])
            client.print(try await client.connect().call("GET", path)) { page in
                DeliveryCommand.table(page["results"]?.arrayValue ?? []).text
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a delivery with every attempt's request and response."
        )

        @OptionGroup var client: ClientOptions
        @Argument(help: "The delivery id.") var id: Int

        func run() async throws {
            client.print(try await client.connect().call("GET", "/_npsim/deliveries/\(id)")) { delivery in
                var lines = [DeliveryCommand.table([delivery]).text, ""]
                for attempt in delivery["attempt_log"]?.arrayValue ?? [] {
                    lines.append(
                        "attempt \(TextTable.cell(attempt["number"])) at \(TextTable.cell(attempt["started_at"])): \(TextTable.cell(attempt["outcome"])) in \(TextTable.cell(attempt["duration_ms"])) ms"
                    )
                    lines.append("  request:  \(JSONWriter.string(attempt["request"] ?? .null))")
                    if let response = attempt["response"], response != .null {
                        lines.append("  response: \(TextTable.cell(response["status"])) \(TextTable.cell(response["body"]))")
                    }
                    if let error = attempt["error"], error != .null { lines.append("  error:    \(TextTable.cell(error))") }
                }
                return lines.joined(separator: "\n")
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retry",
            abstract: "Retry a dead or failed delivery now."
        )

        @OptionGroup var client: ClientOptions
        @Argument(help: "The delivery id.") var id: Int

        func run() async throws {
            client.print(try await client.connect().call("POST", "/_npsim/deliveries/\(id)/retry")) { delivery in
                "delivery \(id) is \(TextTable.cell(delivery["status"])) again"
            }
        }
    }

    struct Follow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "follow",
            abstract: "Print deliveries as they are created and change, until Ctrl-C."
        )

        @OptionGroup var client: ClientOptions
        @Option(help: "Milliseconds between polls.") var interval = 250
        @Option(help: "Stop after this many seconds (default: never).") var duration: Double?

        func run() async throws {
            let api = try await client.connect()
            var seen: [Int: String] = [:]
            let deadline = duration.map { ContinuousClock.now + .seconds(clamping: $0) }
            while deadline.map({ ContinuousClock.now < $0 }) ?? true {
                let page = try await api.call("GET", "/_npsim/deliveries?limit=200")
                for delivery in (page["results"]?.arrayValue ?? []).reversed() {
                    guard let id = delivery["id"]?.intValue else { continue }
                    let state = "\(TextTable.cell(delivery["status"]))/\(TextTable.cell(delivery["attempts"]))"
                    guard seen[id] != state else { continue }
                    seen[id] = state
                    if client.json {
                        Output.line(JSONWriter.string(delivery))
                    } else {
                        Output.line(
                            "delivery \(id) \(TextTable.cell(delivery["channel_type"])) channel \(TextTable.cell(delivery["channel_id"])) "
                                + "notification \(TextTable.cell(delivery["notification_id"])): \(TextTable.cell(delivery["status"])) "
                                + "after \(TextTable.cell(delivery["attempts"])) attempt(s) \(DeliveryCommand.lastOutcome(delivery))"
                        )
                    }
                }
                try await Task.sleep(for: .milliseconds(interval))
            }
        }
    }
}
