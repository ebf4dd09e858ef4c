import ArgumentParser
import Foundation
import NPSimCore

/// `npsim snapshot save|load FILE`: a consistent copy of a running npsim's database, and putting one back.
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Save a running npsim's database to a file, or load one back (keys and settings stay).",
        subcommands: [Save.self, Load.self]
    )

    struct Save: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "save", abstract: "Save a consistent copy of the database (an SQLite file).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Where to write it.") var file: String

        func run() async throws {
            let bytes = try await client.connect().snapshot()
            guard FileManager.default.createFile(atPath: file, contents: Data(bytes.readableBytesView)) else {
                throw CommandFailure("cannot write \(file)")
            }
            Output.line("saved \(bytes.readableBytes) bytes to \(file)")
        }
    }

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "load",
            abstract: "Replace everything npsim holds but its keys and settings with a snapshot's."
        )
        @OptionGroup var client: ClientOptions
        @Argument(help: "A file npsim snapshot save wrote.") var file: String

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw CommandFailure("cannot read \(file)") }
            let (status, bytes) = try await client.connect().exchange(
                "PUT",
                "/_npsim/snapshot",
                body: Array(data),
                contentType: "application/vnd.sqlite3",
                timeout: .minutes(5)
            )
            let reply = (try? JSONParser.parse(bytes.readableBytesView)) ?? .string(String(buffer: bytes))
            guard status == 200 else {
                throw CommandFailure("PUT /_npsim/snapshot failed (\(status)): \(reply["message"]?.stringValue ?? JSONWriter.string(reply))")
            }
            client.print(reply) { reply in
                let loaded = (reply["loaded"]?.objectValue ?? JSONObject()).map { "\($0.value.intValue ?? 0) \($0.key)" }
                return "loaded \(file): " + loaded.joined(separator: ", ")
            }
        }
    }
}
