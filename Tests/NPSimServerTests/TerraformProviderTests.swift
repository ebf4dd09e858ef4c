import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import NPSimCore
import Testing

/// nullplatform's Terraform provider, played call by call against the real binary over HTTPS (a client that trusts
/// only npsim's CA, as `SSL_CERT_FILE` makes the provider) in `terraform apply`, second apply and `terraform destroy`
/// order (`shared/reference/terraform-provider.md`). Every answer is decoded as strictly as
/// the provider's Go structs decode it: a status outside the list a call accepts, or a JSON type a struct field does
/// not take (a bool where it expects an object, a string where it expects a number), fails the test.
@Suite struct TerraformProviderTests {
    /// The JSON type a Go struct field takes; `null` is always accepted (Go leaves the zero value).
    enum GoType {
        case string, bool, number, object, array, any

        func accepts(_ value: JSONValue) -> Bool {
            switch (self, value) {
            case (_, .null), (.any, _): true
            case (.string, .string), (.bool, .bool), (.object, .object), (.array, .array): true
            case (.number, .int), (.number, .double): true
            default: false
            }
        }
    }

    static let selectors: [String: GoType] = ["category": .string, "imported": .bool, "provider": .string, "sub_category": .string]
    static let specification: [String: GoType] = [
        "id": .string, "name": .string, "description": .string, "slug": .string, "visible_to": .array, "dimensions": .object,
        "attributes": .object, "scopes": .object, "assignable_to": .string, "type": .string, "selectors": .object,
        "use_default_actions": .bool, "use_default_naming": .bool,
    ]
    static let linkSpecification: [String: GoType] = specification.merging([
        "unique": .bool, "specification_id": .string, "external": .object, "external_resolution": .object,
    ]) { $1 }
    static let actionSpecification: [String: GoType] = [
        "id": .string, "name": .string, "description": .string, "type": .string, "slug": .string, "enabled_when": .string, "icon": .string,
        "parameters": .object, "results": .object, "annotations": .object, "external": .object, "external_resolution": .object,
        "service_specification_id": .string, "link_specification_id": .string, "retryable": .bool, "parallelize": .bool,
    ]
    static let channel: [String: GoType] = [
        "id": .number, "nrn": .string, "description": .string, "type": .string, "status": .string, "source": .array,
        "configuration": .object, "filters": .object,
    ]
    static let service: [String: GoType] = [
        "id": .string, "name": .string, "slug": .string, "specification_id": .string, "desired_specification_id": .string,
        "entity_nrn": .string, "status": .string, "linkable_to": .array, "messages": .array, "selectors": .object,
        "dimensions": .object, "attributes": .object,
    ]
    static let link: [String: GoType] = service.merging(["service_id": .string]) { $1 }
    static let action: [String: GoType] = [
        "id": .string, "status": .string, "specification_id": .string, "service_id": .string, "parameters": .object, "results": .object,
        "messages": .array,
    ]
    static let apiKey: [String: GoType] = [
        "id": .number, "name": .string, "masked_api_key": .string, "tags": .array, "grants": .array, "owner_id": .number,
        "last_used_at": .string, "created_at": .string, "updated_at": .string, "api_key": .string,
    ]

    /// Decodes `value` into a struct of these fields as `encoding/json` would, failing on a type it would refuse.
    static func decode(
        _ value: JSONValue,
        as fields: [String: GoType],
        _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> JSONObject {
        let object = try #require(value.objectValue, "\(what): not a JSON object: \(JSONWriter.string(value))", sourceLocation: sourceLocation)
        for (name, type) in fields {
            if let field = object[name] {
                #expect(
                    type.accepts(field),
                    "\(what).\(name): Go expects \(type), npsim sent \(JSONWriter.string(field))",
                    sourceLocation: sourceLocation
                )
            }
        }
        if let selectors = object["selectors"]?.objectValue, fields["selectors"] != nil {
            for (name, type) in Self.selectors {
                if let field = selectors[name] { #expect(type.accepts(field), "\(what).selectors.\(name)", sourceLocation: sourceLocation) }
            }
        }
        return object
    }

    /// One provider call: its status must be one the provider accepts for it.
    static func call(
        _ server: HTTPSEndpoint,
        _ method: HTTPMethod,
        _ path: String,
        _ body: JSONValue? = nil,
        token: String,
        accepting statuses: Set<Int>,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        let reply = try await server.call(method, path, body, token: token)
        #expect(
            statuses.contains(reply.status),
            "\(method) \(path): \(reply.status) \(JSONWriter.string(reply.json))",
            sourceLocation: sourceLocation
        )
        return reply.json
    }

    /// What a runner does when the provider runs an action: report success, with results where the spec has some.
    static func runnerReports(_ server: HTTPSEndpoint, service: String, action: String, token: String) async throws {
        let reply = try await server.call(.PATCH, "/service/\(service)/action/\(action)", ["status": "success"], token: token)
        #expect(reply.status == 200, "\(JSONWriter.string(reply.json))")
    }

    /// The provider polls an action until `success`, failing on `failed` or `cancelled`.
    static func pollUntilSuccess(_ server: HTTPSEndpoint, service: String, action: String, token: String) async throws {
        try await eventually(within: .seconds(20), "action \(action) succeeded") {
            let json = try await Self.call(server, .GET, "/service/\(service)/action/\(action)", token: token, accepting: [200])
            let decoded = try Self.decode(json, as: Self.action, "service action")
            let status = decoded["status"]?.stringValue ?? ""
            #expect(!["failed", "cancelled"].contains(status))
            return status == "success"
        }
    }

    @Test func applySecondApplyAndDestroyAsTheProviderCallsThem() async throws {
        let directory = try scratchDirectory("npsim-provider")
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = try await NPSimProcess(
            arguments: ["--db", directory.appendingPathComponent("npsim.sqlite").path, "--seed", Fixtures.directory, "--tls", "--tls-port", "0"]
        )
        let server = try await HTTPSEndpoint(process, authority: directory.appendingPathComponent("tls/ca.pem").path)
        do {
            try await Self.play(server)
        } catch {
            try? await server.client.shutdown()
            throw error
        }
        try await server.client.shutdown()
        #expect(try await process.stop() == 0)
    }

    /// The provider's calls, from the token to the last delete.
    static func play(_ server: HTTPSEndpoint) async throws {
        // The provider's token: 200 only, both tokens non-empty strings, the organization read from the JWT.
        let tokenReply = try await server.call(.POST, "/token", ["apikey": .string(server.apiKey)])
        #expect(tokenReply.status == 200)
        let login = try Self.decode(tokenReply.json, as: ["access_token": .string, "refresh_token": .string], "token")
        let token = try #require(login["access_token"]?.stringValue)
        let claims = try #require(
            token.split(separator: ".").dropFirst().first.flatMap { Base64URL.decode($0) }.flatMap { try? JSONParser.parse($0) }
        )
        #expect(claims["cognito:groups"]?.arrayValue?.contains("@nullplatform/organization=1") == true)

        // NRN from slugs, as tofu-modules builds it.
        let accounts = try await Self.call(server, .GET, "/account?organization_id=1&slug=my-account", token: token, accepting: [200])
        let accountId = try #require(accounts["results"]?.arrayValue?.first?["id"])
        #expect(accountId.intValue == 2 || accountId.stringValue == "2")
        let namespaces = try await Self.call(server, .GET, "/namespace?account_id=2&slug=my-namespace", token: token, accepting: [200])
        #expect(namespaces["results"]?.arrayValue?.count == 1)
        let nrn = "organization=1:account=2:namespace=3:application=4"

        // terraform apply: the service specification, read back with its snapshots and action specifications.
        let specBody: JSONValue = [
            "name": "Bucket", "visible_to": ["organization=1:account=*"], "type": "dependency", "assignable_to": "any",
            "dimensions": [:], "use_default_actions": true,
            "selectors": ["category": "Storage", "imported": false, "provider": "AWS", "sub_category": "Object Storage"],
            "attributes": [
                "schema": ["type": "object", "properties": ["bucket_name": ["type": "string", "export": true]]], "values": [:],
            ],
        ]
        let created = try Self.decode(
            try await Self.call(server, .POST, "/service_specification", specBody, token: token, accepting: [200, 201]),
            as: Self.specification,
            "service specification"
        )
        let specId = try #require(created["id"]?.stringValue)
        _ = try Self.decode(
            try await Self.call(server, .GET, "/service_specification/\(specId)", token: token, accepting: [200]),
            as: Self.specification,
            "read"
        )
        let snapshots = try await Self.call(server, .GET, "/service_specification/\(specId)/snapshots", token: token, accepting: [200, 201, 204])
        for snapshot in snapshots["results"]?.arrayValue ?? [] {
            _ = try Self.decode(snapshot, as: ["id": .string, "sequence_number": .number], "snapshot")
        }
        let actionSpecs = try await Self.call(server, .GET, "/service_specification/\(specId)/action_specification", token: token, accepting: [200])
        let defaults = try #require(actionSpecs["results"]?.arrayValue)
        for spec in defaults { _ = try Self.decode(spec, as: Self.actionSpecification, "default action specification") }
        let createSpec = try #require(defaults.first { $0["type"] == "create" }?["id"]?.stringValue)
        let deleteSpec = try #require(defaults.first { $0["type"] == "delete" }?["id"]?.stringValue)

        // A custom action specification with an external object, and a link specification as tofu-modules sends it.
        let custom = try Self.decode(
            try await Self.call(
                server,
                .POST,
                "/service_specification/\(specId)/action_specification",
                [
                    "name": "Rotate", "type": "custom", "external": ["resolver": "agent"],
                    "parameters": ["schema": ["type": "object", "properties": [:]], "values": [:]],
                    "results": ["schema": ["type": "object", "properties": [:]], "values": [:]],
                ],
                token: token,
                accepting: [200, 201]
            ),
            as: Self.actionSpecification,
            "action specification"
        )
        #expect(custom["external"] == ["resolver": "agent"])
        let customId = try #require(custom["id"]?.stringValue)
        _ = try Self.decode(
            try await Self.call(server, .GET, "/action_specification/\(customId)", token: token, accepting: [200]),
            as: Self.actionSpecification,
            "read"
        )
        _ = try await Self.call(server, .GET, "/action_specification/\(customId)/snapshots", token: token, accepting: [200, 404])
        let linkSpec = try Self.decode(
            try await Self.call(
                server,
                .POST,
                "/link_specification",
                [
                    "name": "Bucket access", "specification_id": .string(specId), "unique": false, "use_default_actions": true,
                    "selectors": ["category": "", "imported": false, "provider": "", "sub_category": ""], "external": [:],
                ],
                token: token,
                accepting: [200, 201]
            ),
            as: Self.linkSpecification,
            "link specification"
        )
        let linkSpecId = try #require(linkSpec["id"]?.stringValue)
        #expect(linkSpec["visible_to"] == ["organization=1:account=*"], "visible where its service specification is")
        _ = try Self.decode(
            try await Self.call(server, .GET, "/link_specification/\(linkSpecId)", token: token, accepting: [200]),
            as: Self.linkSpecification,
            "read"
        )
        _ = try await Self.call(server, .GET, "/link_specification/\(linkSpecId)/snapshots", token: token, accepting: [200, 404])
        let linkActions = try await Self.call(server, .GET, "/link_specification/\(linkSpecId)/action_specification", token: token, accepting: [200])
        for spec in linkActions["results"]?.arrayValue ?? [] { _ = try Self.decode(spec, as: Self.actionSpecification, "link action specification") }

        // The agent channel and an API key for the agent.
        let channelReply = try await server.call(
            .POST,
            "/notification/channel",
            [
                "nrn": "organization=1:account=2", "type": "agent", "source": ["service"], "description": "bucket agent", "filters": [:],
                "configuration": ["command": ["type": "exec", "data": ["cmdline": "/bin/true", "environment": "{}"]], "selector": [:]],
            ],
            token: token
        )
        #expect(channelReply.status == 200, "the provider accepts only 200 here")
        let channel = try Self.decode(channelReply.json, as: Self.channel, "channel")
        let channelId = try #require(channel["id"]?.intValue)
        let readChannel = try Self.decode(
            try await Self.call(server, .GET, "/notification/channel/\(channelId)", token: token, accepting: [200]),
            as: Self.channel,
            "read"
        )
        #expect(readChannel["configuration"]?["command"]?.objectValue != nil)
        let keyReply = try await server.call(
            .POST,
            "/api_key",
            [
                "name": "bucket agent", "grants": [["nrn": "organization=1:account=2", "role_slug": "controlplane:agent"]],
                "tags": [["key": "team", "value": "storage"]],
            ],
            token: token
        )
        #expect(keyReply.status == 201, "the provider accepts only 201 here")
        let key = try Self.decode(keyReply.json, as: Self.apiKey, "api key")
        #expect(key["api_key"]?.stringValue?.isEmpty == false)
        let keyId = try #require(key["id"]?.intValue)
        let readKey = try Self.decode(try await Self.call(server, .GET, "/api_key/\(keyId)", token: token, accepting: [200]), as: Self.apiKey, "read")
        #expect(readKey["api_key"] == nil, "the secret is shown once")

        // An action-driven service: created pending, its create action posted and polled while a runner reports.
        let serviceReply = try await server.call(
            .POST,
            "/service",
            ["name": "assets", "specification_id": .string(specId), "entity_nrn": .string(nrn), "dimensions": [:], "linkable_to": []],
            token: token
        )
        #expect(serviceReply.status == 200, "the provider accepts only 200 here")
        let service = try #require(try Self.decode(serviceReply.json, as: Self.service, "service")["id"]?.stringValue)
        let createAction = try Self.decode(
            try await Self.call(
                server,
                .POST,
                "/service/\(service)/action",
                ["specification_id": .string(createSpec), "parameters": ["bucket_name": "assets-bucket"]],
                token: token,
                accepting: [200, 201]
            ),
            as: Self.action,
            "create action"
        )
        let createId = try #require(createAction["id"]?.stringValue)
        try await Self.runnerReports(server, service: service, action: createId, token: token)
        try await Self.pollUntilSuccess(server, service: service, action: createId, token: token)
        let active = try Self.decode(
            try await Self.call(server, .GET, "/service/\(service)", token: token, accepting: [200, 204]),
            as: Self.service,
            "read"
        )
        #expect(active["status"] == "active")
        // A link made by POST /link, never provisioned.
        let linkReply = try await server.call(
            .POST,
            "/link",
            ["name": "assets-access", "service_id": .string(service), "specification_id": .string(linkSpecId), "entity_nrn": .string(nrn)],
            token: token
        )
        #expect(linkReply.status == 200, "the provider accepts only 200 here")
        let linkId = try #require(try Self.decode(linkReply.json, as: Self.link, "link")["id"]?.stringValue)
        _ = try Self.decode(try await Self.call(server, .GET, "/link/\(linkId)", token: token, accepting: [200]), as: Self.link, "read")

        // Second apply: each resource PATCHed and read again.
        _ = try await Self.call(server, .PATCH, "/service_specification/\(specId)", ["description": "buckets"], token: token, accepting: [200, 204])
        _ = try await Self.call(
            server,
            .PATCH,
            "/link_specification/\(linkSpecId)",
            ["name": "Bucket access 2"],
            token: token,
            accepting: [200, 204]
        )
        _ = try await Self.call(
            server,
            .PATCH,
            "/service_specification/\(specId)/action_specification/\(customId)",
            ["icon": "rotate"],
            token: token,
            accepting: [200, 204]
        )
        _ = try await Self.call(
            server,
            .PATCH,
            "/notification/channel/\(channelId)",
            ["description": "bucket agent 2"],
            token: token,
            accepting: [200, 204]
        )
        _ = try await Self.call(server, .PATCH, "/api_key/\(keyId)", ["name": "bucket agent 2"], token: token, accepting: [200, 204])
        _ = try await Self.call(server, .PATCH, "/service/\(service)", ["name": "assets 2"], token: token, accepting: [200, 204])
        _ = try Self.decode(
            try await Self.call(server, .GET, "/service_specification/\(specId)", token: token, accepting: [200]),
            as: Self.specification,
            "read"
        )

        // terraform destroy, in reverse dependency order.
        _ = try await Self.call(server, .DELETE, "/link/\(linkId)", token: token, accepting: [200])
        let deleteAction = try #require(
            try Self.decode(
                try await Self.call(
                    server,
                    .POST,
                    "/service/\(service)/action",
                    ["specification_id": .string(deleteSpec), "parameters": [:]],
                    token: token,
                    accepting: [200, 201]
                ),
                as: Self.action,
                "delete action"
            )["id"]?.stringValue
        )
        try await Self.runnerReports(server, service: service, action: deleteAction, token: token)
        try await Self.pollUntilSuccess(server, service: service, action: deleteAction, token: token)
        _ = try await Self.call(server, .DELETE, "/service/\(service)", token: token, accepting: [200, 204, 404])
        _ = try await Self.call(server, .DELETE, "/notification/channel/\(channelId)", token: token, accepting: [200, 204])
        let keyGone = try await server.call(.DELETE, "/api_key/\(keyId)", token: token)
        #expect(keyGone.status == 204, "the provider accepts only 204 here")
        _ = try await Self.call(
            server,
            .DELETE,
            "/service_specification/\(specId)/action_specification/\(customId)",
            token: token,
            accepting: [200, 204, 404]
        )
        _ = try await Self.call(server, .DELETE, "/link_specification/\(linkSpecId)", token: token, accepting: [200, 204, 404])
        _ = try await Self.call(server, .DELETE, "/service_specification/\(specId)", token: token, accepting: [200, 204, 404])
        #expect(try await server.call(.GET, "/service_specification/\(specId)", token: token).status == 404)
    }

    @Test func strictNRNRefusesWhatTheDefaultCreates() async throws {
        for strict in [false, true] {
            let server = try await NPSimProcess(arguments: ["--in-memory", "--seed", Fixtures.directory] + (strict ? ["--strict-nrn"] : []))
            let token = try await server.token()
            let reply = try await server.call(
                .POST,
                "/service",
                [
                    "name": "elsewhere", "specification_id": .string(Fixtures.mysqlSpec),
                    "entity_nrn": "organization=1:account=9:namespace=8:application=7",
                ],
                token: token
            )
            #expect(reply.status == (strict ? 400 : 200), "\(JSONWriter.string(reply.json))")
            let application = try await server.call(.GET, "/application/7", token: token)
            #expect(application.status == (strict ? 404 : 200))
            if !strict { #expect(application.json["name"] == "application-7") }
            #expect(try await server.stop() == 0)
        }
    }
}

/// npsim's HTTPS listener as the provider reaches it: `https://localhost:PORT` (in the certificate), with a client
/// that trusts npsim's CA and nothing else.
final class HTTPSEndpoint: Sendable {
    let url: String
    let apiKey: String
    let client: HTTPClient

    init(_ process: NPSimProcess, authority: String) async throws {
        let health = try await process.call(.GET, "/_npsim/health")
        let secure = try #require(health.json["https"]?.stringValue, "npsim was not started with --tls")
        url = "https://localhost:" + (secure.split(separator: ":").last.map(String.init) ?? "443")
        apiKey = process.apiKey
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(authority)
        var configuration = HTTPClient.Configuration()
        configuration.tlsConfiguration = tls
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func call(_ method: HTTPMethod, _ path: String, _ body: JSONValue? = nil, token: String? = nil) async throws -> (status: Int, json: JSONValue) {
        try await jsonExchange(client, method, url + path, body, token: token)
    }
}
