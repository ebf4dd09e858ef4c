import Foundation
import NPSimCore
import Testing

/// A database file that cannot be written: while npsim runs (the file system refuses the write, as on a read-only
/// mount), writes fail with a 503 naming the cause, reads and everything accepted stay, and writing resumes once
/// the file is writable again; at start-up, a file this user cannot write is refused with what to do about it.
@Suite struct ReadOnlyDatabaseTests {
    @Test func aDatabaseThatCannotBeWrittenRefusesWritesClearlyLosesNothingAndRecovers() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-readonly-\(UUID().uuidString)")
        let database = directory.appendingPathComponent("npsim.sqlite").path
        let files = [database, database + "-wal"]
        defer {
            try? Self.chattr("-i", files)
            try? FileManager.default.removeItem(at: directory)
        }

        try await withReceivers([{ _ in .status(200) }]) { receivers in
            let server = try await NPSimProcess(arguments: ["--db", database, "--seed", Fixtures.directory])
            let token = try await server.token()
            let service = try await server.addWebhookAndMySQLService(named: "read-only-db", url: receivers[0].url, token: token)
            let action: JSONValue = ["specification_id": .string(Fixtures.getCredentials)]
            var accepted: Set<String> = []
            for _ in 0..<5 {
                accepted.insert(
                    try #require(try await server.call(.POST, "/service/\(service)/action", action, token: token).json["id"]?.stringValue)
                )
            }
            try await eventually(within: .seconds(30), "the accepted actions were delivered") {
                accepted.isSubset(of: Set(await receivers[0].requests.compactMap { $0.json["notification"]?["id"]?.stringValue }))
            }

            try Self.chattr("+i", files)
            // More refusals than a channel has delivery slots: a refused action must give back the slot it reserved.
            for _ in 0..<40 {
                let refused = try await server.call(.POST, "/service/\(service)/action", action, token: token)
                #expect(refused.status == 503, "\(JSONWriter.string(refused.json))")
                #expect(refused.json["code"] == "service_unavailable")
                #expect(refused.json["message"]?.stringValue?.contains("could not be written") == true, "\(refused.json)")
            }
            let listed = try await server.call(.GET, "/service/\(service)/action?limit=1", token: token)
            #expect(listed.status == 200)
            #expect(listed.json["paging"]?["total"]?.intValue == accepted.count)
            #expect(try await server.call(.GET, "/_npsim/health").status == 200)

            try Self.chattr("-i", files)
            let after = try await server.call(.POST, "/service/\(service)/action", action, token: token)
            #expect(after.status == 200, "no recovery once the file was writable: \(JSONWriter.string(after.json))")
            let recovered = try #require(after.json["id"]?.stringValue)
            try await eventually(within: .seconds(30), "the action accepted after recovery was delivered") {
                await receivers[0].requests.contains { $0.json["notification"]?["id"]?.stringValue == recovered }
            }
            let total = try await server.call(.GET, "/service/\(service)/action?limit=1", token: token).json["paging"]?["total"]?.intValue
            #expect(total == accepted.count + 1)
            #expect(try await server.stop() == 0)
            #expect(try await DiskFullTests.integrityCheck(database) == "ok")
        }
    }

    @Test func aDatabaseFileThisUserCannotWriteIsRefusedAtStartWithTheFix() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-readonly-\(UUID().uuidString)")
        let database = directory.appendingPathComponent("npsim.sqlite").path
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
            try? FileManager.default.removeItem(at: directory)
        }
        // Killed, so that its -wal and -shm files stay: SQLite then opens the file read-only without an error, and
        // only a write shows that it cannot be written.
        try await NPSimProcess(arguments: ["--db", database]).stop(signal: SIGKILL)
        for file in [database, database + "-wal", database + "-shm"] where FileManager.default.fileExists(atPath: file) {
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: file)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: directory.path)

        // Root writes whatever the permissions say; without the capabilities that let it, it is an ordinary user.
        let process = Process()
        let serve = ["serve", "--port", "0", "--db", database]
        if getuid() == 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--bounding-set=-dac_override,-dac_read_search,-fowner", NPSimProcess.binary] + serve
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
                throw TestFailure("setpriv is missing: install util-linux ('apt-get install util-linux')")
            }
        } else {
            process.executableURL = URL(fileURLWithPath: NPSimProcess.binary)
            process.arguments = serve
        }
        let message = try await runToExit(process)
        #expect(process.terminationStatus != 0)
        #expect(message.contains("cannot open the database \(database) for writing"), "\(message)")
        #expect(message.contains("cannot be written by this user") && message.contains("--in-memory"), "\(message)")
    }

    /// Sets or clears the immutable attribute: the file system then refuses every write to the file, even through
    /// descriptors already open, which is how a database on a file system remounted read-only behaves.
    static func chattr(_ flag: String, _ files: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chattr") else {
            throw TestFailure("chattr is missing: install e2fsprogs ('apt-get install e2fsprogs')")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = [flag] + files
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw TestFailure(
                "chattr \(flag) failed (\(message.trimmingCharacters(in: .whitespacesAndNewlines))): this test needs root and a file system with the immutable attribute (ext4, xfs, btrfs) for its temporary directory"
            )
        }
    }
}
