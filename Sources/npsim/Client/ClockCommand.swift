import ArgumentParser
import NPSimCore

/// `npsim clock show|advance`: npsim's clock, and moving a manual one ahead (`npsim serve --clock manual`).
struct ClockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clock",
        abstract: "Show npsim's clock, or move a manual one ahead so that due retries fire at once.",
        subcommands: [Show.self, Advance.self],
        defaultSubcommand: Show.self
    )

    static func describe(_ clock: JSONValue) -> String {
        "\(TextTable.cell(clock["mode"])) clock at \(TextTable.cell(clock["now"])), \(TextTable.cell(clock["advanced_seconds"])) s ahead of the wall clock"
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show npsim's clock.")
        @OptionGroup var client: ClientOptions

        func run() async throws {
            client.print(try await client.connect().call("GET", "/_npsim/clock"), human: ClockCommand.describe)
        }
    }

    struct Advance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "advance", abstract: "Move a manual clock ahead by SECONDS.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "How many seconds to move it ahead.") var seconds: Double

        func run() async throws {
            let reply = try await client.connect().call("POST", "/_npsim/clock/advance", ["seconds": .double(seconds.isFinite ? seconds : -1)])
            client.print(reply, human: ClockCommand.describe)
        }
    }
}
