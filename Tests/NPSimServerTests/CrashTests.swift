import Foundation
import NPSimCore
import Testing

@Suite(.serialized) struct CrashTests {
    /// `kill -9` during a burst of actions, then a restart: every action the server accepted has its
    /// notification delivered at least once to every channel, duplicates carry the same `webhook-id`, and the
    /// database passes SQLite's integrity check.
    @Test func nothingAcceptedIsLostAcrossAKillNine() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("npsim.sqlite").path
        let arguments = ["--db", database, "--seed", Fixtures.directory, "--retry-schedule", "100ms,200ms,500ms,1s,1s,1s"]

        try await withReceivers([{ _ in .status(200) }, { _ in .status(200) }]) { receivers in
            let first = try await NPSimProcess(arguments: arguments)
            var token = try await first.token()
            for receiver in receivers {
                let channel = try await first.call(
                    .POST,
                    "/notification/channel",
                    [
                        "nrn": "organization=1", "type": "http", "configuration": ["url": .string(receiver.url)],
                    ],
                    token: token
                )
                try #require(channel.status == 200)
            }
            let service = try #require(
                try await first.call(
                    .POST,
                    "/service",
                    [
                        "name": "crash-db", "specification_id": .string(Fixtures.mysqlSpec), "entity_nrn": .string(Fixtures.appNRN),
                    ],
                    token: token
                ).json["id"]?.stringValue
            )

            // A burst from 8 concurrent clients; the process is killed once 150 actions were accepted.
            let accepted = AcceptedActions()
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask { [token] in
                        for _ in 0..<60 {
                            guard
                                let reply = try? await first.call(
                                    .POST,
                                    "/service/\(service)/action",
                                    [
                                        "specification_id": .string(Fixtures.getCredentials), "parameters": ["ttl_minutes": .int(5 + worker)],
                                    ],
                                    token: token
                                ), reply.status == 200, let id = reply.json["id"]?.stringValue
                            else { return }
                            if await accepted.add(id) == 150 { kill(first.process.processIdentifier, SIGKILL) }
                        }
                    }
                }
            }
            try await first.stop(signal: SIGKILL)
            let acceptedIds = await accepted.ids
            #expect(acceptedIds.count >= 150)
            #expect(acceptedIds.count < 480, "the process should have died during the burst")

            let second = try await NPSimProcess(arguments: arguments)
            token = try await second.token()
            for receiver in receivers {
                try await eventually(within: .seconds(60), "every accepted action reached \(receiver.url)") {
                    let seen = Set(await receiver.requests.compactMap { $0.json["notification"]?["id"]?.stringValue })
                    return acceptedIds.isSubset(of: seen)
                }
                var webhookIds: [String: Set<String>] = [:]
                for request in await receiver.requests {
                    webhookIds[request.json["id"]?.stringValue ?? "", default: []].insert(request.headers["webhook-id"] ?? "")
                }
                #expect(webhookIds.values.allSatisfy { $0.count == 1 }, "a notification was redelivered with another webhook-id")
            }
            try await second.stop()
        }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else {
            throw TestFailure("sqlite3 is missing: install it with 'apt-get install sqlite3' (./scripts/setup does)")
        }
        let output = Pipe()
        check.arguments = [database, "PRAGMA integrity_check"]
        check.standardOutput = output
        try check.run()
        try await exited(check)
        let result = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(result.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
    }
}

actor AcceptedActions {
    private(set) var ids: Set<String> = []

    func add(_ id: String) -> Int {
        ids.insert(id)
        return ids.count
    }
}
