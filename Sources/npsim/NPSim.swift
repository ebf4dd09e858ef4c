import ArgumentParser
import Foundation

/// `npsim`: a local emulator of nullplatform's service orchestrator.
@main
struct NPSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "npsim",
        abstract: "A local emulator of nullplatform's service orchestrator.",
        version: "0.1.0",
        subcommands: [
            Serve.self, Demo.self, Apply.self, ServiceCommand.self, ActionCommand.self, NotificationCommand.self, DeliveryCommand.self,
            RunCommand.self, WaitCommand.self, HealthcheckCommand.self, ResetCommand.self, ExpectCommand.self, ClockCommand.self, TestCommand.self,
            SnapshotCommand.self, DiagnoseCommand.self,
            TLSCommand.self,
            NPCommand.self,
        ],
        defaultSubcommand: Serve.self
    )

    /// Invoked as `np` (the link npsim puts first on its children's `PATH`), or as `npsim np ...`, the binary is
    /// nullplatform's CLI; its command lines are read as that CLI reads them, not by the argument parser.
    static func main() async {
        let arguments = CommandLine.arguments
        if URL(fileURLWithPath: arguments.first ?? "").lastPathComponent == "np" {
            Foundation.exit(await NPCommandLine.run(Array(arguments.dropFirst())))
        }
        if arguments.count > 1, arguments[1] == "np" {
            Foundation.exit(await NPCommandLine.run(Array(arguments.dropFirst(2))))
        }
        await main(nil)
    }
}
