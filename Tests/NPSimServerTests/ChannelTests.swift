import NPSimCore
import Testing

@Suite struct ChannelTests {
    static let webhook: JSONValue = [
        "nrn": "organization=1:account=2", "type": "http", "source": ["service"], "description": "provisioning webhook",
        "configuration": ["url": "http://127.0.0.1:9999/hook", "headers": ["Authorization": "Bearer the-token"]],
    ]

    @Test func channelCRUDWithIntegerIdsAndMaskedSecrets() async throws {
        try await withServer { api in
            let created = try await api.expect(200, .post, "/notification/channel", Self.webhook)
            let id = try #require(created["id"]?.intValue)
            #expect(created["status"] == "active")
            #expect(created["filters"] == [:])
            #expect(!JSONWriter.string(created).contains("the-token"))
            let read = try await api.expect(200, .get, "/notification/channel/\(id)")
            #expect(read["configuration"]?["headers"]?["Authorization"] == .string(ChannelType.mask))
            let patched = try await api.expect(
                200,
                .patch,
                "/notification/channel/\(id)",
                [
                    "status": "inactive", "source": ["service", "telemetry"], "configuration": read["configuration"]!,
                ]
            )
            #expect(patched["status"] == "inactive")
            #expect(patched["source"] == ["service", "telemetry"])
            let second = try await api.expect(200, .post, "/notification/channel", Self.webhook)
            #expect(second["id"]?.intValue == id + 1)
            try await api.expect(200, .delete, "/notification/channel/\(id)")
            try await api.expect(404, .get, "/notification/channel/\(id)")
            try await api.expect(404, .get, "/notification/channel/abc")
        }
    }

    @Test func listFiltersByNrnTypeStatusAndShowDescendants() async throws {
        try await withServer { api in
            try await api.expect(200, .post, "/notification/channel", Self.webhook)
            try await api.expect(
                200,
                .post,
                "/notification/channel",
                [
                    "nrn": .string(Fixtures.appNRN), "type": "gitlab", "configuration": ["project_id": "1", "reference": "main"],
                ]
            )
            let account = "organization%3D1:account%3D2"
            #expect(try await api.expect(200, .get, "/notification/channel?nrn=\(account)")["paging"]?["total"] == 1)
            #expect(try await api.expect(200, .get, "/notification/channel?nrn=\(account)&showDescendants=true")["paging"]?["total"] == 2)
            #expect(try await api.expect(200, .get, "/notification/channel?nrn=\(account)&showDescendants=true&type=gitlab")["paging"]?["total"] == 1)
            #expect(try await api.expect(200, .get, "/notification/channel?status=inactive")["paging"]?["total"] == 0)
        }
    }

    @Test func configurationIsValidatedPerTypeWithTheFieldNamed() async throws {
        try await withServer { api in
            let noURL = try await api.expect(400, .post, "/notification/channel", ["nrn": "organization=1", "type": "http", "configuration": [:]])
            #expect(noURL["message"] == "configuration.url is required for a http channel")
            let noWorkflow = try await api.expect(
                400,
                .post,
                "/notification/channel",
                [
                    "nrn": "organization=1", "type": "github", "configuration": ["account": "a", "repository": "r", "reference": "main"],
                ]
            )
            #expect(noWorkflow["message"] == "configuration.workflow_id is required for a github channel")
            try await api.expect(400, .post, "/notification/channel", ["nrn": "organization=1", "type": "carrier-pigeon", "configuration": [:]])
            try await api.expect(
                400,
                .post,
                "/notification/channel",
                ["nrn": "organization=1", "type": "http", "source": ["weather"], "configuration": ["url": "http://x"]]
            )
            try await api.expect(
                400,
                .post,
                "/notification/channel",
                [
                    "nrn": "organization=1", "type": "http", "description": .string(String(repeating: "d", count: 65)),
                    "configuration": ["url": "http://x"],
                ]
            )
            try await api.expect(
                200,
                .post,
                "/notification/channel",
                [
                    "nrn": "organization=1:account=2", "type": "agent", "source": ["service"],
                    "configuration": [
                        "api_key": "secret-key", "command": ["type": "exec", "data": ["cmdline": "/bin/entrypoint", "arguments": "[]"]],
                        "selector": ["environment": "dev"],
                    ],
                    "filters": ["$or": [["service.specification.slug": ["$eq": "mysql"]]]],
                ]
            )
        }
    }
}
