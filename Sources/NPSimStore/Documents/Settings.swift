import Foundation
import GRDB
import NPSimCore

/// Server-wide values that must survive restarts, such as the token signing key.
enum Settings {
    /// The stored value for `key`, created with `make` the first time it is asked for.
    static func value(_ key: String, in db: Database, orCreate make: () -> [UInt8]) throws -> [UInt8] {
        if let stored = try stored(key, in: db) { return Array(stored) }
        let value = make()
        try db.run(sql: "INSERT INTO setting (key, value) VALUES (?, ?)", arguments: [key, Data(value)])
        return value
    }

    /// The stored value for `key`, `nil` when there is none.
    static func stored(_ key: String, in db: Database) throws -> Data? {
        try Data.cachedOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key])
    }
}

extension AppDatabase {
    /// The stored server-wide value for `key` (a signing key, a stand-in's token), created with `make` the first
    /// time it is asked for, so that it survives restarts.
    public func setting(_ key: String, orCreate make: @escaping @Sendable () -> [UInt8]) async throws -> [UInt8] {
        try await writer.write { db in try Settings.value(key, in: db, orCreate: make) }
    }

    /// Registers the operator's keys (`--api-key`, or the one generated at the first start and kept so that the
    /// printed key stays valid), acting for every organization unless `organizationId` pins them; returns the key
    /// npsim prints and gives agent commands.
    public func registerOperatorKeys(_ keys: [String], organizationId: String?) async throws -> String {
        try await writer.write { db in
            let (organization, everyOrganization) = (organizationId ?? "1", organizationId == nil)
            for key in keys {
                try APIKeys.insert(name: "command line", secret: key, organizationId: organization, everyOrganization: everyOrganization, in: db)
            }
            if let first = keys.first { return first }
            let primary = try APIKeys.all(in: db).first { $0.name == APIKeys.generatedName }?.secret ?? APIKeys.generateSecret()
            try APIKeys.insert(
                name: APIKeys.generatedName,
                secret: primary,
                organizationId: organization,
                everyOrganization: everyOrganization,
                in: db
            )
            return primary
        }
    }

    /// Counts by status of notifications and deliveries, the attempts stored and the documents kept, for
    /// `/metrics` and `/_npsim/health`.
    public func counts() async throws -> (notifications: [String: Int], deliveries: [String: Int], attempts: Int, documents: Int) {
        try await writer.read { db in
            func byStatus(_ table: String) throws -> [String: Int] {
                try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM \(table) GROUP BY status").reduce(into: [:]) {
                    $0[$1["status"]] = $1["n"]
                }
            }
            return (
                try byStatus("notification"), try byStatus("delivery"), try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM attempt") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM document") ?? 0
            )
        }
    }

    /// The configuration of every channel of a type, as the stand-ins look their credentials up.
    public func channelConfigurations(type: String) async throws -> [JSONObject] {
        try await writer.read { db in try Documents.all(.channel, type: type, in: db).compactMap { $0["configuration"]?.objectValue } }
    }
}
