import Foundation
import GRDB
import NPSimCore

/// API keys: what `POST /token` exchanges for a bearer token. The secret is shown once, at creation.
public enum APIKeys {
    public struct Key: Sendable, Equatable {
        public let id: Int
        public let name: String
        public let secret: String
        public let organizationId: String
        /// An operator's key (`--api-key`, or the one generated at first start): it acts for every organization,
        /// unless `--organization` pinned it. Keys created through `POST /api_key` act for their organization only.
        public let everyOrganization: Bool
        public let grants: JSONValue
        public let tags: JSONValue
        public let createdAt: String
        public let updatedAt: String

        /// The key as lists show it: the secret reduced to its last four characters.
        public func json(revealingSecret: Bool) -> JSONValue {
            var object: JSONObject = [
                "id": .int(id), "name": .string(name), "organization_id": Int(organizationId).map(JSONValue.int) ?? .string(organizationId),
                "masked_api_key": .string("\(ChannelType.mask)\(secret.suffix(4))"), "grants": grants, "tags": tags,
                "owner_id": .null, "last_used_at": .null, "created_at": .string(createdAt), "updated_at": .string(updatedAt),
            ]
            if revealingSecret { object["api_key"] = .string(secret) }
            return .object(object)
        }
    }

    /// The name of the key npsim generates at its first start when it is given none.
    public static let generatedName = "generated at first start"

    /// A new random secret in nullplatform's style: hex, long enough to be unguessable.
    public static func generateSecret() -> String {
        (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    /// Stores a key; a key with the same secret is kept, with the organization and scope given now (an operator's
    /// `--organization` may change between starts).
    @discardableResult
    public static func insert(
        name: String,
        secret: String,
        organizationId: String,
        everyOrganization: Bool = false,
        grants: JSONValue = [],
        tags: JSONValue = [],
        in db: Database
    ) throws -> Key {
        if let existing = try find(secret: secret, in: db) {
            guard existing.organizationId != organizationId || existing.everyOrganization != everyOrganization else { return existing }
            try db.run(
                sql: "UPDATE api_key SET organization_id = ?, every_organization = ? WHERE id = ?",
                arguments: [organizationId, everyOrganization, existing.id]
            )
            return try find(id: existing.id, in: db) ?? existing
        }
        let createdAt = ISO8601.string(from: Date())
        try db.run(
            sql: "INSERT INTO api_key (name, secret, organization_id, every_organization, grants, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [name, secret, organizationId, everyOrganization, JSONWriter.string(grants), JSONWriter.string(tags), createdAt]
        )
        return Key(
            id: Int(db.lastInsertedRowID),
            name: name,
            secret: secret,
            organizationId: organizationId,
            everyOrganization: everyOrganization,
            grants: grants,
            tags: tags,
            createdAt: createdAt,
            updatedAt: createdAt
        )
    }

    /// Changes a key's name, grants or tags (what `PATCH /api_key/{id}` may change); the secret stays.
    static func update(id: Int, name: String?, grants: JSONValue?, tags: JSONValue?, in db: Database) throws -> Key? {
        guard let current = try find(id: id, in: db) else { return nil }
        try db.run(
            sql: "UPDATE api_key SET name = ?, grants = ?, tags = ?, updated_at = ? WHERE id = ?",
            arguments: [
                name ?? current.name, JSONWriter.string(grants ?? current.grants), JSONWriter.string(tags ?? current.tags),
                ISO8601.string(from: Date()), id,
            ]
        )
        return try find(id: id, in: db)
    }

    static func find(secret: String, in db: Database) throws -> Key? {
        try Row.cachedOne(db, sql: "SELECT * FROM api_key WHERE secret = ?", arguments: [secret]).map(key)
    }

    static func find(id: Int, in db: Database) throws -> Key? {
        try Row.cachedOne(db, sql: "SELECT * FROM api_key WHERE id = ?", arguments: [id]).map(key)
    }

    /// Every key, or those of one organization.
    static func all(organizationId: String? = nil, in db: Database) throws -> [Key] {
        guard let organizationId else { return try Row.cachedAll(db, sql: "SELECT * FROM api_key ORDER BY id").map(key) }
        return try Row.cachedAll(db, sql: "SELECT * FROM api_key WHERE organization_id = ? ORDER BY id", arguments: [organizationId]).map(key)
    }

    static func delete(id: Int, in db: Database) throws -> Bool {
        try db.run(sql: "DELETE FROM api_key WHERE id = ?", arguments: [id])
        return db.changesCount > 0
    }

    private static func key(_ row: Row) throws -> Key {
        Key(
            id: row["id"],
            name: row["name"],
            secret: row["secret"],
            organizationId: row["organization_id"],
            everyOrganization: row["every_organization"],
            grants: try JSONParser.parse(row["grants"] as String),
            tags: try JSONParser.parse(row["tags"] as String),
            createdAt: row["created_at"],
            updatedAt: row["updated_at"] ?? row["created_at"]
        )
    }
}

/// The API keys' named operations, for `/token`, `/api_key` and the keys' reach. A key of another organization
/// than the caller's is answered as an absent one.
extension AppDatabase {
    public func apiKey(secret: String) async throws -> APIKeys.Key? {
        try await writer.read { db in try APIKeys.find(secret: secret, in: db) }
    }

    public func apiKey(id: Int, for tenancy: Tenancy = .everyOrganization) async throws -> APIKeys.Key? {
        try await writer.read { db in try APIKeys.find(id: id, in: db) }.flatMap { tenancy.admits(organizationId: $0.organizationId) ? $0 : nil }
    }

    /// The keys of the caller's organization (every key for the operator's).
    public func apiKeys(for tenancy: Tenancy) async throws -> [APIKeys.Key] {
        try await writer.read { db in try APIKeys.all(organizationId: tenancy.organizationId, in: db) }
    }

    /// A new key with a generated secret.
    public func createAPIKey(name: String, organizationId: String, grants: JSONValue, tags: JSONValue) async throws -> APIKeys.Key {
        try await writer.write { db in
            try APIKeys.insert(name: name, secret: APIKeys.generateSecret(), organizationId: organizationId, grants: grants, tags: tags, in: db)
        }
    }

    /// Changes a key's name, grants or tags; `nil` when the caller has no such key.
    public func updateAPIKey(id: Int, name: String?, grants: JSONValue?, tags: JSONValue?, for tenancy: Tenancy) async throws -> APIKeys.Key? {
        try await writer.write { db in
            guard let key = try APIKeys.find(id: id, in: db), tenancy.admits(organizationId: key.organizationId) else { return nil }
            return try APIKeys.update(id: id, name: name, grants: grants, tags: tags, in: db)
        }
    }

    /// Deletes a key; `false` when the caller has no such key.
    public func deleteAPIKey(id: Int, for tenancy: Tenancy) async throws -> Bool {
        try await writer.write { db in
            guard let key = try APIKeys.find(id: id, in: db), tenancy.admits(organizationId: key.organizationId) else { return false }
            return try APIKeys.delete(id: id, in: db)
        }
    }
}
