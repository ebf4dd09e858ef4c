import ArgumentParser

/// `npsim`: a local emulator of nullplatform's service orchestrator.
@main
struct NPSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "npsim",
        abstract: "A local emulator of nullplatform's service orchestrator.",
        version: "0.1.0",
        subcommands: [
            Serve.self, Demo.self, Apply.self, ServiceCommand.self, ActionCommand.self, NotificationCommand.self, DeliveryCommand.self,
            RunCommand.self, TLSCommand.self,
        ],
        defaultSubcommand: Serve.self
    )
}
