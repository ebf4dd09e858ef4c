import Foundation
import NPSimCore
import Testing

@Suite(.serialized) struct EndToEndTests {
    @Test func theRealServerKeepsEverythingAcrossARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-e2e-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("npsim.sqlite").path
        let arguments = ["--db", database, "--seed", Fixtures.directory]

        let first = try await NPSimProcess(arguments: arguments)
        let health = try await first.call(.GET, "/_npsim/health")
        #expect(health.status == 200)
        #expect(health.json["database"]?["mode"] == "file")
        var token = try await first.token()
        let service = try await first.call(
            .POST,
            "/service",
            [
                "name": "persisted", "specification_id": .string(Fixtures.mysqlSpec), "entity_nrn": .string(Fixtures.appNRN),
            ],
            token: token
        )
        #expect(service.status == 200)
        let serviceId = try #require(service.json["id"]?.stringValue)
        let action = try await first.call(
            .POST,
            "/service/\(serviceId)/action",
            [
                "specification_id": .string(Fixtures.createMySQL), "parameters": ["version": "8.4", "size": "medium"],
            ],
            token: token
        )
        #expect(action.status == 200)
        let channel = try await first.call(
            .POST,
            "/notification/channel",
            [
                "nrn": "organization=1:account=2", "type": "http", "configuration": ["url": "http://127.0.0.1:1/hook"],
            ],
            token: token
        )
        #expect(channel.status == 200)
        #expect(try await first.stop(signal: SIGINT) == 0)

        let second = try await NPSimProcess(arguments: arguments)
        token = try await second.token()
        let reread = try await second.call(.GET, "/service/\(serviceId)", token: token)
        #expect(reread.json["status"] == "creating")
        let actions = try await second.call(.GET, "/service/\(serviceId)/action", token: token)
        #expect(actions.json["results"]?.arrayValue?.first?["parameters"] == ["version": "8.4", "size": "medium"])
        let channels = try await second.call(.GET, "/notification/channel", token: token)
        #expect(channels.json["paging"]?["total"] == 1)
        let specs = try await second.call(.GET, "/service_specification", token: token)
        #expect(specs.json["paging"]?["total"] == 2)
        try await second.stop()
    }

    @Test func aTokenFromBeforeARestartStillWorks() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-e2e-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments = ["--db", directory.appendingPathComponent("db.sqlite").path]
        let first = try await NPSimProcess(arguments: arguments)
        let token = try await first.token()
        try await first.stop()
        let second = try await NPSimProcess(arguments: arguments)
        #expect(try await second.call(.GET, "/service", token: token).status == 200)
        try await second.stop()
    }
}

@Suite struct ConfigurationTests {
    @Test func settingsComeFromAConfigFileAndNPSIMVariables() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-config-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent("npsim.yaml")
        try """
        in-memory: true
        api-key: [from-config-file]
        seed: ["\(Fixtures.directory)"]
        """.write(to: config, atomically: true, encoding: .utf8)
        let server = try await NPSimProcess(
            arguments: ["--config", config.path],
            apiKey: "from-config-file",
            passKey: false,
            environment: ["NPSIM_RETRY_SCHEDULE": "1s,2s"]
        )
        let token = try await server.token()
        #expect(try await server.call(.GET, "/service_specification", token: token).json["paging"]?["total"] == 2)
        #expect(try await server.call(.GET, "/_npsim/health").json["database"]?["mode"] == "memory")
        try await server.stop()
    }

    @Test func aBadSettingStopsTheServerWithAMessageNamingIt() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: NPSimProcess.binary)
        process.arguments = ["serve", "--in-memory", "--port", "0"]
        process.environment = ProcessInfo.processInfo.environment.merging(["NPSIM_RETRY_SCHEDULE": "soon"]) { $1 }
        let message = try await runToExit(process)
        #expect(process.terminationStatus != 0)
        #expect(message.contains("--retry-schedule") && message.contains("soon"))
    }
}

/// Runs a process that is expected to stop by itself (with its output discarded) and returns what it wrote to
/// standard error.
func runToExit(_ process: Process) async throws -> String {
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    try await exited(process)
    return String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
}

/// Waits for a child process without blocking a thread of the cooperative pool.
func exited(_ process: Process, within deadline: Duration = .seconds(30)) async throws {
    let end = ContinuousClock.now + deadline
    while process.isRunning {
        guard ContinuousClock.now < end else {
            throw TestFailure("\(process.executableURL?.lastPathComponent ?? "process") did not exit within \(deadline)")
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}

@Suite struct LoggingTests {
    @Test func jsonLogsHaveOneLinePerRequestWithItsIdAndNoSecrets() async throws {
        let logFile = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-log-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: logFile) }
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let server = try await NPSimProcess(
            arguments: ["--in-memory", "--log-format", "json", "--log-level", "info"],
            standardError: try FileHandle(forWritingTo: logFile)
        )
        let token = try await server.token()
        _ = try await server.call(
            .POST,
            "/notification/channel",
            [
                "nrn": "organization=1", "type": "http",
                "configuration": ["url": "http://127.0.0.1:1/x", "headers": ["Authorization": "Bearer top-secret"]],
            ],
            token: token
        )
        _ = try await server.call(.GET, "/service/nope", token: token)
        try await server.stop()
        let lines = try String(contentsOf: logFile, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0)) }
        let requests = lines.filter { $0["message"]?.stringValue?.contains(" in ") == true && $0["status"] != nil }
        #expect(requests.contains { $0["message"]?.stringValue?.hasPrefix("GET /service/nope 404") == true && $0["hb.request.id"] != nil })
        #expect(requests.contains { $0["message"]?.stringValue?.hasPrefix("POST /token 200") == true })
        let text = try String(contentsOf: logFile, encoding: .utf8)
        #expect(!text.contains("top-secret") && !text.contains(server.apiKey))
    }
}

@Suite struct InitScriptTests {
    @Test func initScriptsRunOnceTheServerListensAndReportInHealth() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-init-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let scripts = [
            (
                "10-channel",
                """
                #!/usr/bin/env python3
                import json, os, urllib.request
                url, key = os.environ["NPSIM_URL"], os.environ["NPSIM_API_KEY"]
                def call(path, body, token=None):
                    request = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"})
                    if token: request.add_header("Authorization", "Bearer " + token)
                    return json.loads(urllib.request.urlopen(request).read())
                token = call("/token", {"apikey": key})["access_token"]
                print("channel", call("/notification/channel", {"nrn": "organization=1", "type": "http", "configuration": {"url": "http://127.0.0.1:9/x"}}, token)["id"])
                """
            ),
            ("20-broken", "#!/bin/sh\necho 'about to fail' >&2\nexit 2\n"),
            ("README.txt", "not executable, not run\n"),
        ]
        for (name, body) in scripts {
            let path = directory.appendingPathComponent(name).path
            try body.write(toFile: path, atomically: true, encoding: .utf8)
            if name != "README.txt" { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path) }
        }
        let server = try await NPSimProcess(arguments: ["--in-memory", "--init-dir", directory.path])
        var health: JSONValue = .null
        try await eventually(within: .seconds(30), "the init scripts finished") {
            health = try await server.call(.GET, "/_npsim/health").json
            return health["init"]?["status"] == "failed"
        }
        let ran = try #require(health["init"]?["scripts"]?.arrayValue)
        #expect(ran.map { $0["name"] } == ["10-channel", "20-broken"])
        #expect(ran[0]["status"] == "succeeded" && ran[0]["output"] == "channel 1\n")
        #expect(ran[1]["exit_code"] == 2 && ran[1]["output"] == "about to fail\n")
        let token = try await server.token()
        #expect(try await server.call(.GET, "/notification/channel", token: token).json["paging"]?["total"] == 1)
        #expect(try await server.stop() == 0)
    }
}

@Suite struct DemoTests {
    @Test func theDemoRunsTheWholeLoopWithTheExampleRunner() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-demo-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: NPSimProcess.binary)
        process.arguments = ["demo", "--port", "0", "--fixtures", Fixtures.directory, "--exit-when-done"]
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await exited(process, within: .seconds(60))
        let text = try String(contentsOf: output, encoding: .utf8)
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("   service active"))
        #expect(text.contains(#""hostname":"demo-db.mysql.local""#))
        #expect(text.contains("  action success"))
        #expect(text.contains(#""username":"tmp_"#))
        #expect(text.contains("demo complete."))
    }
}
