import Foundation
import GRDB
import NPSimCore
import Testing

/// A record damaged in the database file (edited by hand, or by another program) is an error that names it, never
/// a crash: npsim keeps serving everything else.
@Suite struct StoredDataTests {
    @Test func aStoredRecordMissingAFieldNpsimReadsIsA503NamingIt() async throws {
        let directory = try scratchDirectory("stored-data")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("npsim.sqlite").path
        var npsim = try await NPSimProcess(arguments: ["--db", database, "--seed", Fixtures.directory])
        var token = try await npsim.token()
        let service = try await npsim.createMySQLService(named: "damaged", token: token)
        #expect(try await npsim.stop() == 0)

        try await DatabaseQueue(path: database).write { db in
            try db.execute(
                sql: "UPDATE document SET body = json_remove(body, '$.specification_id') WHERE kind = 'service' AND id = ?",
                arguments: [service]
            )
        }
        npsim = try await NPSimProcess(arguments: ["--db", database])
        token = try await npsim.token()
        let patched = try await npsim.call(.PATCH, "/service/\(service)", ["attributes": ["size": "large"]], token: token)
        #expect(patched.status == 503)
        #expect(
            patched.json["message"]?.stringValue?.contains("the stored service has no string specification_id") == true,
            "\(JSONWriter.string(patched.json))"
        )
        #expect(try await npsim.call(.GET, "/_npsim/health").status == 200, "npsim keeps serving")
        #expect(try await npsim.call(.GET, "/service_specification", token: token).status == 200)
    }
}
