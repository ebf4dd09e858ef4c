import Foundation
import NPSimCore
import Testing

/// A database that cannot grow: writes fail with a 503 naming the cause, reads and everything already accepted
/// stay, the file is not corrupted, and npsim recovers once there is room again.
@Suite struct DiskFullTests {
    @Test func aFullDatabaseRefusesWritesClearlyLosesNothingAndRecovers() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-full-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("npsim.sqlite").path
        let arguments = ["--db", database, "--seed", Fixtures.directory]

        try await withReceivers([{ _ in .status(200) }]) { receivers in
            let small = try await NPSimProcess(arguments: arguments + ["--max-db-size", "0.5"])
            var token = try await small.token()
            let service = try await small.addWebhookAndMySQLService(named: "full-db", url: receivers[0].url, token: token)
            var accepted: Set<String> = []
            var refusal: (status: Int, json: JSONValue)?
            for index in 0..<2000 {
                let reply = try await small.call(
                    .POST,
                    "/service/\(service)/action",
                    ["specification_id": .string(Fixtures.getCredentials), "parameters": ["ttl_minutes": .int(5 + index % 700)]],
                    token: token
                )
                if reply.status == 200, let id = reply.json["id"]?.stringValue {
                    accepted.insert(id)
                } else {
                    refusal = reply
                    break
                }
            }
            let refused = try #require(refusal, "the database never filled up")
            #expect(refused.status == 503, "\(JSONWriter.string(refused.json))")
            #expect(refused.json["code"] == "service_unavailable")
            #expect(refused.json["message"]?.stringValue?.contains("the database is full") == true, "\(refused.json)")
            #expect(!accepted.isEmpty)
            // Reads still work, and every accepted action is there.
            let listed = try await small.call(.GET, "/service/\(service)/action?limit=1", token: token)
            #expect(listed.status == 200)
            #expect(listed.json["paging"]?["total"]?.intValue == accepted.count)
            #expect(try await small.call(.GET, "/_npsim/health").status == 200)
            #expect(try await small.stop() == 0)

            #expect(try await Self.integrityCheck(database) == "ok")

            let roomy = try await NPSimProcess(arguments: arguments)
            token = try await roomy.token()
            let after = try await roomy.call(
                .POST,
                "/service/\(service)/action",
                ["specification_id": .string(Fixtures.getCredentials), "parameters": ["ttl_minutes": 30]],
                token: token
            )
            #expect(after.status == 200, "no recovery once there was room: \(JSONWriter.string(after.json))")
            let total = try await roomy.call(.GET, "/service/\(service)/action?limit=1", token: token).json["paging"]?["total"]?.intValue
            #expect(total == accepted.count + 1)
            try await eventually(within: .seconds(60), "every accepted action was delivered after the restart") {
                let seen = Set(await receivers[0].requests.compactMap { $0.json["notification"]?["id"]?.stringValue })
                return accepted.isSubset(of: seen)
            }
            try await roomy.stop()
        }
    }

    static func integrityCheck(_ database: String) async throws -> String {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else {
            throw TestFailure("sqlite3 is missing: install it with 'apt-get install sqlite3' (./scripts/setup does)")
        }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        let output = Pipe()
        check.arguments = [database, "PRAGMA integrity_check"]
        check.standardOutput = output
        try check.run()
        try await exited(check)
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
