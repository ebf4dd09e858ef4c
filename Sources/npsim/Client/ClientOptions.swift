import ArgumentParser
import Foundation
import NPSimCore

/// What every client command takes: where npsim is, the key to use, and whether to print JSON.
struct ClientOptions: ParsableArguments {
    @Option(help: "The server's URL [NPSIM_URL, default http://127.0.0.1:4466].")
    var url: String?

    @Option(help: "An API key of the server [NPSIM_API_KEY]; without one, the server must run with --no-auth.")
    var apiKey: String?

    @Flag(help: "Print JSON instead of tables, for scripts.")
    var json = false

    var resolvedURL: String { Self.url(url) }

    /// The server's URL: the option, else `NPSIM_URL`, else the default address.
    static func url(_ option: String?) -> String {
        (option ?? ProcessInfo.processInfo.environment["NPSIM_URL"] ?? "http://127.0.0.1:4466").trimmingSuffix("/")
    }

    func connect() async throws -> NPSimClient {
        try await NPSimClient.connect(url: resolvedURL, apiKey: apiKey ?? ProcessInfo.processInfo.environment["NPSIM_API_KEY"])
    }

    /// Prints `value` as JSON with `--json`, otherwise what `human` renders.
    func print(_ value: JSONValue, human: (JSONValue) -> String) {
        Output.line(json ? JSONWriter.string(value, pretty: true) : human(value))
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}

/// Standard output written at once, line by line: progress is read while a command runs, often through a pipe.
enum Output {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
