import Foundation
import NPSimCore
import NPSimServer
import Testing

/// `docker/Dockerfile` and `docker/compose.yaml`, replayed natively: no container engine runs on our machines,
/// so this test reads both files and runs what they say on the host. The image's build step must be the one the
/// test command runs (so a broken build fails CI), and the image's entrypoint, with the paths the `COPY` lines
/// and the volume map, must serve the fixtures, pass the `HEALTHCHECK`, and close the loop with the compose
/// file's example runner.
@Suite struct DockerTests {
    static let root = Fixtures.repositoryRoot

    struct Dockerfile {
        var buildCommands: [String] = []
        /// Container path → host path, from the runtime stage's `COPY` lines.
        var copies: [String: String] = [:]
        var volume = ""
        var entrypoint: [String] = []
        var healthcheck = ""

        init(_ text: String) throws {
            for line in text.split(separator: "\n").map(String.init) {
                let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                switch words.first {
                case "RUN" where line.contains("build-release"): buildCommands.append(String(line.dropFirst(4)))
                case "COPY" where words.count == 4 && words[1] == "--from=build":
                    copies[words[3]] = words[2].replacingOccurrences(of: "/src/", with: "")
                case "COPY" where words.count == 3 && !line.contains("./"): copies[words[2]] = words[1]
                case "VOLUME": volume = words[1]
                case "ENTRYPOINT":
                    guard case .array(let items) = try JSONParser.parse(String(line.dropFirst("ENTRYPOINT ".count))) else { continue }
                    entrypoint = items.compactMap(\.stringValue)
                case "HEALTHCHECK": healthcheck = String(line[line.range(of: "CMD ")!.upperBound...])
                default: continue
                }
            }
        }
    }

    @Test func theImageBuildStepIsOneTheTestCommandRuns() throws {
        let dockerfile = try Dockerfile(String(contentsOf: Self.root.appendingPathComponent("docker/Dockerfile"), encoding: .utf8))
        let testCommand = try String(contentsOf: Self.root.appendingPathComponent("scripts/test"), encoding: .utf8)
        #expect(!dockerfile.buildCommands.isEmpty)
        for command in dockerfile.buildCommands {
            #expect(testCommand.contains(command), "scripts/test must run the Dockerfile's '\(command)' so that CI catches a broken image build")
        }
        for (_, host) in dockerfile.copies {
            #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(host).path), "COPY source \(host) is missing")
        }
    }

    @Test func theImageEntrypointServesPassesItsHealthcheckAndTheComposeRunnerClosesTheLoop() async throws {
        let dockerfile = try Dockerfile(String(contentsOf: Self.root.appendingPathComponent("docker/Dockerfile"), encoding: .utf8))
        let compose = try DocumentFile.parse(file: Self.root.appendingPathComponent("docker/compose.yaml").path)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-docker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: data) }
        func host(_ path: String) -> String {
            if path == dockerfile.volume || path.hasPrefix(dockerfile.volume + "/") {
                return data.path + path.dropFirst(dockerfile.volume.count)
            }
            for (container, source) in dockerfile.copies where path == container || path.hasPrefix(container + "/") {
                return Self.root.appendingPathComponent(source).path + path.dropFirst(container.count)
            }
            return path
        }
        let executable = host("/usr/local/bin/\(try #require(dockerfile.entrypoint.first))")
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw TestFailure(
                "\(executable) is missing: the test command builds it (./scripts/build-release)"
            )
        }
        let composeArguments = compose["services"]?["npsim"]?["command"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let (server, url) = try await launchServer(
            executable: executable,
            arguments: dockerfile.entrypoint.dropFirst().map(host) + composeArguments + ["--port", "0"]
        )

        let healthcheck = Process()
        healthcheck.executableURL = URL(fileURLWithPath: "/bin/sh")
        // The image's own npsim answers the check, as `npsim` on the image's PATH would.
        let check = dockerfile.healthcheck.replacingOccurrences(of: "http://127.0.0.1:4466", with: url)
        healthcheck.arguments = ["-c", check.hasPrefix("npsim ") ? executable + check.dropFirst("npsim".count) : check]
        healthcheck.standardOutput = FileHandle.nullDevice
        try healthcheck.run()
        try await exited(healthcheck)
        #expect(healthcheck.terminationStatus == 0, "HEALTHCHECK \(dockerfile.healthcheck) failed against \(url)")
        #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent("npsim.sqlite").path), "the database is not on the volume")

        let runnerService = try #require(compose["services"]?["runner"])
        let state = RunnerTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: state) }
        var environment: [String: String] = [:]
        for (name, value) in runnerService["environment"]?.objectValue ?? JSONObject() { environment[name] = value.stringValue }
        environment["NP_API_URL"] = url
        environment["PORT"] = "0"
        environment["STATE_DIR"] = state.path
        let command = runnerService["command"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let (runner, runnerURL) = try await launchServer(
            executable: "/usr/bin/env",
            arguments: command.enumerated().map { index, word in index == 0 ? word : RunnerTests.runners.appendingPathComponent(word).path },
            environment: environment
        )
        defer { runner.forceStop() }
        let apiKey = try #require(environment["NP_API_KEY"])
        let process = NPSimProcess(attaching: server, url: url, apiKey: apiKey)
        let token = try await process.token()
        try await process.addMySQLChannel(type: "http", configuration: ["url": .string(runnerURL + "/hook")], token: token)
        try await RunnerTests.driveTheLoop(process, token: token, stateDirectory: state)
        #expect(try await process.stop() == 0)
    }
}
