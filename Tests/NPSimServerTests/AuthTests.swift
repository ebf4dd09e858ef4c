import Foundation
import NPSimCore
import Testing

@Suite struct AuthTests {
    @Test func apiKeyIsExchangedForATokenUnderEitherBodyKey() async throws {
        try await withServer { api in
            for key in ["apikey", "api_key"] {
                let json = try await api.expect(200, .post, "/token", .object([key: .string(Fixtures.apiKey)]))
                #expect(json["token_type"] == "Bearer")
                #expect(json["organization_id"] == 1)
                #expect(json["expires_in"] == 3600)
                #expect((json["token_expires_at"]?.intValue ?? 0) > Int(Date().timeIntervalSince1970 * 1000))
                #expect(json["refresh_token"]?.stringValue?.isEmpty == false)
                let payload = try JSONParser.parse(Data(base64Encoded: Self.padded(json["access_token"]!.stringValue!.split(separator: ".")[1]))!)
                #expect(payload["cognito:groups"] == ["@nullplatform/organization=1"])
            }
        }
    }

    @Test func refreshTokenGivesANewAccessToken() async throws {
        try await withServer { api in
            let first = try await api.expect(200, .post, "/token", ["apikey": .string(Fixtures.apiKey)])
            let refreshed = try await api.expect(200, .post, "/token", ["refresh_token": first["refresh_token"]!, "organization_id": 1])
            var client = api
            client.token = refreshed["access_token"]?.stringValue
            try await client.expect(200, .get, "/service")
            let misuse = try await api.call(.post, "/token", ["refresh_token": first["access_token"]!])
            #expect(misuse.status == 401)
        }
    }

    @Test func nullplatformRoutesNeedABearerToken() async throws {
        try await withServer { api in
            let missing = try await api.call(.get, "/service", authenticated: false)
            #expect(missing.status == 401)
            #expect(missing.json["code"] == "unauthorized")
            let wrong = try await api.call(.get, "/service", headers: [.authorization: "Bearer nope"], authenticated: false)
            #expect(wrong.status == 401)
            let basic = try await api.call(.get, "/service", headers: [.authorization: "Basic abc"], authenticated: false)
            #expect(basic.status == 401)
            let health = try await api.call(.get, "/_npsim/health", authenticated: false)
            #expect(health.status == 200)
            #expect(health.json["status"] == "ok")
        }
    }

    @Test func unknownApiKeyIsRefused() async throws {
        try await withServer { api in
            let reply = try await api.call(.post, "/token", ["apikey": "not-a-key"], authenticated: false)
            #expect(reply.status == 401)
            let empty = try await api.call(.post, "/token", [:], authenticated: false)
            #expect(empty.status == 400)
        }
    }

    @Test func createdApiKeysWorkAndAreMaskedInLists() async throws {
        try await withServer { api in
            let created = try await api.expect(
                201,
                .post,
                "/api_key",
                [
                    "name": "runner", "grants": [["nrn": "organization=1:account=2", "role_slug": "controlplane:agent"]], "tags": [],
                ]
            )
            let secret = try #require(created["api_key"]?.stringValue)
            try await api.expect(200, .post, "/token", ["apikey": .string(secret)])
            let list = try await api.expect(200, .get, "/api_key")
            #expect(!JSONWriter.string(list).contains(secret))
            try await api.expect(200, .get, "/api_key/\(created["id"]!.intValue!)")
            let renamed = try await api.expect(
                200,
                .patch,
                "/api_key/\(created["id"]!.intValue!)",
                ["name": "runner 2", "tags": [["key": "team", "value": "db"]]]
            )
            #expect(renamed["name"] == "runner 2")
            #expect(renamed["tags"] == [["key": "team", "value": "db"]])
            #expect(renamed["api_key"] == nil)
            let deleted = try await api.call(.delete, "/api_key/\(created["id"]!.intValue!)")
            #expect(deleted.status == 204)
            let gone = try await api.call(.post, "/token", ["apikey": .string(secret)])
            #expect(gone.status == 401)
        }
    }

    @Test func noAuthServesWithoutAToken() async throws {
        try await withServer(auth: false) { api in
            try await api.expect(200, .get, "/service_specification")
        }
    }

    static func padded(_ part: Substring) -> String {
        var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return text
    }
}
