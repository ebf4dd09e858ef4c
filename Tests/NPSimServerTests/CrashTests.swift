import Foundation
import NPSimCore
import Testing

@Suite(.serialized) struct CrashTests {
    /// Five rounds of `kill -9` at a random moment of a burst of 2,000 actions, each round restarting on the same
    /// database: every action any server accepted has its notification delivered at least once to both
    /// channels, duplicates carry the same `webhook-id`, and the database passes SQLite's integrity check.
    @Test func nothingAcceptedIsLostAcrossRepeatedKillNines() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("npsim.sqlite").path
        let arguments = [
            "--db", database, "--seed", Fixtures.directory, "--retry-schedule", "100ms,200ms,500ms,1s,1s,1s,2s,2s",
            "--webhook-secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        ]
        let (rounds, burst, clients) = (5, 2000, 8)

        try await withReceivers([{ _ in .status(200) }, { _ in .status(200) }]) { receivers in
            let setup = try await NPSimProcess(arguments: arguments)
            var token = try await setup.token()
            for receiver in receivers {
                let channel = try await setup.call(
                    .POST,
                    "/notification/channel",
                    ["nrn": "organization=1", "type": "http", "configuration": ["url": .string(receiver.url)]],
                    token: token
                )
                try #require(channel.status == 200)
            }
            let service = try #require(
                try await setup.call(
                    .POST,
                    "/service",
                    ["name": "crash-db", "specification_id": .string(Fixtures.mysqlSpec), "entity_nrn": .string(Fixtures.appNRN)],
                    token: token
                ).json["id"]?.stringValue
            )
            try await setup.stop()

            let accepted = AcceptedActions()
            for round in 1...rounds {
                let server = try await NPSimProcess(arguments: arguments)
                token = try await server.token()
                let before = await accepted.ids.count
                let killAt = before + Int.random(in: burst / 10...burst * 9 / 10)
                await withTaskGroup(of: Void.self) { group in
                    for worker in 0..<clients {
                        group.addTask { [token] in
                            for _ in 0..<(burst / clients) {
                                guard
                                    let reply = try? await server.call(
                                        .POST,
                                        "/service/\(service)/action",
                                        ["specification_id": .string(Fixtures.getCredentials), "parameters": ["ttl_minutes": .int(5 + worker)]],
                                        token: token
                                    ), reply.status == 200, let id = reply.json["id"]?.stringValue
                                else { return }
                                if await accepted.add(id) == killAt { kill(server.process.processIdentifier, SIGKILL) }
                            }
                        }
                    }
                }
                try await server.stop(signal: SIGKILL)
                let added = await accepted.ids.count - before
                #expect(added >= killAt - before, "round \(round): fewer actions accepted than the kill point")
                #expect(added < burst, "round \(round): the process should have died during the burst")
            }

            let last = try await NPSimProcess(arguments: arguments)
            let acceptedIds = await accepted.ids
            for receiver in receivers {
                try await eventually(within: .seconds(300), "every accepted action reached \(receiver.url)") {
                    let seen = Set(await receiver.requests.compactMap { $0.json["notification"]?["id"]?.stringValue })
                    return acceptedIds.isSubset(of: seen)
                }
                var webhookIds: [String: Set<String>] = [:]
                for request in await receiver.requests {
                    webhookIds[request.json["id"]?.stringValue ?? "", default: []].insert(request.headers["webhook-id"] ?? "")
                }
                #expect(webhookIds.values.allSatisfy { $0.count == 1 }, "a notification was redelivered with another webhook-id")
                #expect(webhookIds.values.allSatisfy { $0.first?.hasPrefix("msg_") == true }, "a delivery came without its webhook-id")
            }
            try await last.stop()
        }
        #expect(try await DiskFullTests.integrityCheck(database) == "ok")
    }
}

actor AcceptedActions {
    private(set) var ids: Set<String> = []

    func add(_ id: String) -> Int {
        ids.insert(id)
        return ids.count
    }
}
