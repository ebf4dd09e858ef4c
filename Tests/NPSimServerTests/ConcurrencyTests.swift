import Foundation
import NPSimCore
import Testing

/// Many clients writing the same records at once, against the real binary over real connections.
@Suite struct ConcurrencyTests {
    /// 50 clients, each four times: a message and a result on the same action, and an attribute on the same
    /// service. Every request succeeds (no `database is locked` reaches a client) and no update is lost.
    @Test func fiftyClientsPatchingTheSameActionAndServiceLoseNothing() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-concurrency-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        // A file database in WAL mode, as users run it: readers and the writer really contend.
        let server = try await NPSimProcess(arguments: ["--db", directory.appendingPathComponent("npsim.sqlite").path, "--seed", Fixtures.directory])
        let token = try await server.token()
        let service = try #require(
            try await server.call(
                .POST,
                "/service",
                ["name": "busy-db", "specification_id": .string(Fixtures.mysqlSpec), "entity_nrn": .string(Fixtures.appNRN)],
                token: token
            ).json["id"]?.stringValue
        )
        let action = try #require(
            try await server.call(
                .POST,
                "/service/\(service)/action",
                ["specification_id": .string(Fixtures.getCredentials), "parameters": ["ttl_minutes": 5]],
                token: token
            ).json["id"]?.stringValue
        )
        let (clients, rounds) = (50, 4)
        let failures = await withTaskGroup(of: [String].self) { group in
            for client in 0..<clients {
                group.addTask {
                    var failures: [String] = []
                    for round in 1...rounds {
                        let requests: [(String, JSONValue)] = [
                            (
                                "/service/\(service)/action/\(action)",
                                [
                                    "messages": [["level": "info", "message": .string("client \(client) round \(round)")]],
                                    "results": .object(JSONObject([("client_\(client)", .int(round))])),
                                ]
                            ),
                            ("/service/\(service)", ["attributes": .object(JSONObject([("client_\(client)", .int(round))]))]),
                        ]
                        for (path, body) in requests {
                            do {
                                let reply = try await server.call(.PATCH, path, body, token: token, via: NPSimProcess.concurrentClient)
                                if reply.status != 200 { failures.append("\(reply.status) \(JSONWriter.string(reply.json))") }
                            } catch {
                                failures.append("\(error)")
                            }
                        }
                    }
                    return failures
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(failures.isEmpty, "\(failures.count) requests failed, first: \(failures.first ?? "")")

        let final = try await server.call(.GET, "/service/\(service)/action/\(action)?include_messages=true", token: token).json
        #expect(final["messages"]?.arrayValue?.count == clients * rounds)
        let results = final["results"]?.objectValue ?? JSONObject()
        #expect((0..<clients).allSatisfy { results["client_\($0)"] == .int(rounds) }, "a result was lost: \(JSONWriter.string(.object(results)))")
        let attributes = try await server.call(.GET, "/service/\(service)", token: token).json["attributes"]?.objectValue ?? JSONObject()
        #expect((0..<clients).allSatisfy { attributes["client_\($0)"] == .int(rounds) }, "an attribute was lost")
        try await server.stop()
    }

    /// 200 actions created at once, every other one refused by the schema: exactly the valid ones are stored, each
    /// with its notification, and each delivered once; with two dispatcher slots per channel, a slot that a shared
    /// transaction failed to give back would stall the deliveries.
    @Test func concurrentActionsSharingATransactionFailOnlyOnTheirOwn() async throws {
        try await withReceivers([{ _ in .status(200) }]) { receivers in
            let server = try await NPSimProcess(arguments: ["--in-memory", "--seed", Fixtures.directory, "--max-deliveries-per-channel", "2"])
            let token = try await server.token()
            let service = try await server.addWebhookAndMySQLService(named: "grouped-db", url: receivers[0].url, token: token)
            let statuses = await withTaskGroup(of: (Int, Int).self) { group in
                for index in 0..<200 {
                    group.addTask {
                        // Odd requests ask for a TTL the schema refuses.
                        let ttl = index % 2 == 0 ? 30 : 9_999
                        let reply = try? await server.call(
                            .POST,
                            "/service/\(service)/action",
                            ["specification_id": .string(Fixtures.getCredentials), "parameters": ["ttl_minutes": .int(ttl)]],
                            token: token,
                            via: NPSimProcess.concurrentClient
                        )
                        return (index, reply?.status ?? 0)
                    }
                }
                return await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
            }
            #expect(
                (0..<200).allSatisfy { statuses[$0] == ($0 % 2 == 0 ? 200 : 400) },
                "\(statuses.filter { $0.value != ($0.key % 2 == 0 ? 200 : 400) })"
            )
            let stored = try await server.call(.GET, "/service/\(service)/action?limit=1", token: token).json["paging"]?["total"]
            #expect(stored == 100)
            let notifications = try await server.call(.GET, "/notification?limit=1", token: token).json["paging"]?["total"]
            #expect(notifications == 100)
            try await eventually(within: .seconds(30), "the 100 notifications are delivered") {
                try await server.call(.GET, "/_npsim/deliveries?status=delivered&limit=1", token: token).json["paging"]?["total"] == 100
            }
            let arrived = await receivers[0].requests.compactMap { $0.json["id"]?.stringValue }
            #expect(arrived.count == 100 && Set(arrived).count == 100, "\(arrived.count) webhooks, \(Set(arrived).count) distinct")
            try await server.stop()
        }
    }
}
