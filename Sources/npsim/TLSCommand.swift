import ArgumentParser
import Foundation
import NPSimServer

/// `npsim tls ca`: where npsim's certificate authority is, so that a client can be told to trust it.
struct TLSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls",
        abstract: "npsim's local certificate authority for --tls.",
        subcommands: [CertificateAuthority.self]
    )

    struct CertificateAuthority: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ca",
            abstract: "Print the path of the CA certificate npsim's HTTPS certificates are issued by (creating the CA the first time)."
        )

        @Option(help: "The database whose CA to use: the CA lives in a tls folder beside it [default \(Defaults.server.databasePath ?? "")].")
        var db: String?

        func run() throws {
            var configuration = ServerConfiguration()
            if let db { configuration.databasePath = db }
            let authority = try LocalCertificateAuthority.loadOrCreate(in: configuration.certificateAuthorityDirectory)
            print(authority.certificatePath)
        }
    }
}
