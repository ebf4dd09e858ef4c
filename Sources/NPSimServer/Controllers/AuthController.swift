import Foundation
import Hummingbird
import NPSimCore
import NPSimHTTP
import NPSimStore

/// `POST /token` (API key or refresh token for a bearer token) and `/api_key`.
struct AuthController {
    let database: AppDatabase
    let issuer: TokenIssuer
    let keys: KeyDirectory

    func register(on routes: Routes) {
        routes.post("/token", "Exchange an API key or refresh token for a bearer token") { request, _ in
            let body = try await request.jsonBody()
            let key: APIKeys.Key
            if let secret = body["apikey"]?.stringValue ?? body["api_key"]?.stringValue {
                guard let found = try await database.apiKey(secret: secret) else {
                    throw APIError.unauthorized(
                        "the API key is not known to this npsim; use the key printed at start-up or one created with POST /api_key"
                    )
                }
                key = found
            } else if let refresh = body["refresh_token"]?.stringValue {
                let claims = try issuer.verify(refresh, as: .refresh)
                guard let found = try await database.apiKey(id: claims.apiKeyId) else {
                    throw APIError.unauthorized("the API key behind this refresh token was deleted")
                }
                key = found
            } else {
                throw APIError.validation("send {\"apikey\": \"...\"} (or \"api_key\"), or {\"refresh_token\": \"...\", \"organization_id\": ...}")
            }
            return JSONResponse.make(tokenResponse(for: key))
        }
        routes.post("/api_key", "Create an API key") { request, context in
            let body = try await request.jsonBody()
            guard case .object(let object) = body, let name = object["name"]?.stringValue, !name.isEmpty else {
                throw APIError.validation("api_key.name is required and must be a non-empty string")
            }
            let grants = try Self.list(object["grants"] ?? [], field: "grants")
            let tags = try Self.list(object["tags"] ?? [], field: "tags")
            // A key belongs to the caller's organization, or to the one its grants name when the caller reaches it.
            let organization = try Self.organization(of: grants) ?? context.tenancy.organizationId ?? context.claims?.organizationId ?? "1"
            guard context.tenancy.admits(organizationId: organization) else {
                throw APIError.forbidden(
                    "api_key.grants name organization \(organization); this token acts for organization \(context.tenancy.organizationId ?? "")"
                )
            }
            let key = try await database.createAPIKey(name: name, organizationId: organization, grants: grants, tags: tags)
            // The provider accepts only 201; the secret is shown this once.
            return JSONResponse.make(key.json(revealingSecret: true), status: .created)
        }
        routes.patch("/api_key/:id", "Rename an API key or change its grants and tags") { request, context in
            let id = try context.pathParameter("id")
            let body = try await request.jsonBody()
            guard case .object(let object) = body else { throw APIError.validation("the body must be a JSON object") }
            if let name = object["name"], (name.stringValue ?? "").isEmpty {
                throw APIError.validation("api_key.name must be a non-empty string")
            }
            let grants = try object["grants"].map { try Self.list($0, field: "grants") }
            let tags = try object["tags"].map { try Self.list($0, field: "tags") }
            if let grants, let organization = try Self.organization(of: grants), !context.tenancy.admits(organizationId: organization) {
                throw APIError.forbidden("api_key.grants name organization \(organization), which this token does not act for")
            }
            guard let number = Int(id),
                let key = try await database.updateAPIKey(
                    id: number,
                    name: object["name"]?.stringValue,
                    grants: grants,
                    tags: tags,
                    for: context.tenancy
                )
            else { throw APIError.notFound("api key", id) }
            return JSONResponse.make(key.json(revealingSecret: false))
        }
        routes.get("/api_key", "List API keys (masked)") { _, context in
            let keys = try await database.apiKeys(for: context.tenancy)
            return JSONResponse.make([
                "paging": ["offset": 0, "limit": .int(keys.count), "total": .int(keys.count)],
                "results": .array(keys.map { $0.json(revealingSecret: false) }),
            ])
        }
        routes.get("/api_key/:id", "Read an API key (masked)") { _, context in
            let id = try context.pathParameter("id")
            guard let number = Int(id), let key = try await database.apiKey(id: number, for: context.tenancy) else {
                throw APIError.notFound("api key", id)
            }
            return JSONResponse.make(key.json(revealingSecret: false))
        }
        routes.delete("/api_key/:id", "Delete an API key") { _, context in
            let id = try context.pathParameter("id")
            guard let number = Int(id), try await database.deleteAPIKey(id: number, for: context.tenancy) else {
                throw APIError.notFound("api key", id)
            }
            keys.deleted(number)
            return Response(status: .noContent)
        }
    }

    func tokenResponse(for key: APIKeys.Key) -> JSONValue {
        let access = issuer.issue(apiKeyId: key.id, organizationId: key.organizationId, use: .access)
        let refresh = issuer.issue(apiKeyId: key.id, organizationId: key.organizationId, use: .refresh)
        return [
            "access_token": .string(access.token),
            "refresh_token": .string(refresh.token),
            "organization_id": Int(key.organizationId).map(JSONValue.int) ?? .string(key.organizationId),
            "token_type": "Bearer",
            "expires_in": .int(Int(issuer.accessLifetime)),
            "token_expires_at": .int(Int(access.expiresAt.timeIntervalSince1970 * 1000)),
        ]
    }

    /// `grants` or `tags`: an array (of objects, as the provider sends them).
    static func list(_ value: JSONValue, field: String) throws -> JSONValue {
        guard value.arrayValue != nil else { throw APIError.validation("api_key.\(field) must be an array, got \(value.typeName)") }
        return value
    }

    /// The organization a key's grants point at (`[{nrn, role_slug}]`).
    static func organization(of grants: JSONValue) throws -> String? {
        guard let nrn = grants.arrayValue?.first?["nrn"]?.stringValue else { return nil }
        return try NRN(parsing: nrn, allowWildcards: true).id(at: .organization)
    }
}
