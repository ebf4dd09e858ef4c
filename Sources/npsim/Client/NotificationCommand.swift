import ArgumentParser
import NPSimCore

/// `npsim notification list|show|resend`.
struct NotificationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notification",
        abstract: "List, show and resend notifications.",
        subcommands: [List.self, Show.self, Resend.self],
        aliases: ["notifications"]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List notifications, newest first."
        )

        @OptionGroup var client: ClientOptions
        @Option(help: "Only this status (pending, delivered, failed, ...).") var status: String?
        @Option(help: "Only notifications of this action.") var actionId: String?
        @Option(help: "At most this many.") var limit = 50

        func run() async throws {
            let path = NPSimClient.path("/notification", ["limit": String(limit), "status": status, "action_id": actionId])
            client.print(try await client.connect().call("GET", path)) { page in
                var table = TextTable("ID", "SOURCE", "ACTION", "STATUS", "CHANNELS", "CREATED")
                for notification in page["results"]?.arrayValue ?? [] {
                    table.add(
                        TextTable.cell(notification["id"]),
                        TextTable.cell(notification["source"]),
                        TextTable.cell(notification["notification"]?["action"]),
                        TextTable.cell(notification["status"]),
                        String(notification["routing"]?["channels"]?.arrayValue?.count ?? 0),
                        TextTable.cell(notification["created_at"])
                    )
                }
                return table.text
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a notification, its deliveries and their attempts."
        )

        @OptionGroup var client: ClientOptions
        @Argument(help: "The notification id.") var id: String

        func run() async throws {
            let api = try await client.connect()
            let notification = try await api.call("GET", "/notification/\(id)")
            let result = try await api.call("GET", "/notification/\(id)/result")
            client.print(["notification": notification, "result": result]) { _ in
                var table = TextTable("DELIVERY", "CHANNEL", "TYPE", "STATUS", "ATTEMPTS", "LAST")
                for delivery in result["results"]?.arrayValue ?? [] {
                    table.add(
                        TextTable.cell(delivery["id"]),
                        TextTable.cell(delivery["channel_id"]),
                        TextTable.cell(delivery["channel_type"]),
                        TextTable.cell(delivery["status"]),
                        TextTable.cell(delivery["attempts"]),
                        DeliveryCommand.lastOutcome(delivery)
                    )
                }
                return """
                    notification \(id): \(TextTable.cell(notification["status"])), \(TextTable.cell(notification["notification"]?["action"])) \
                    \(TextTable.cell(notification["notification"]?["slug"]))
                    \(table.text)

                    'npsim delivery show ID' prints each attempt's request and response.
                    """
            }
        }
    }

    struct Resend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resend",
            abstract: "Send a notification again, to every matching channel or some."
        )

        @OptionGroup var client: ClientOptions
        @Argument(help: "The notification id.") var id: String
        @Option(help: "Only this channel id; repeatable.") var channel: [Int] = []

        func run() async throws {
            let body: JSONValue = channel.isEmpty ? [:] : ["channel_ids": .array(channel.map(JSONValue.int))]
            client.print(try await client.connect().call("POST", "/notification/\(id)/resend", body)) { reply in
                "resent as notification \(TextTable.cell(reply["id"]))"
            }
        }
    }
}
