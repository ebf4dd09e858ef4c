import NPSimCore
import Testing

@Suite struct SpecificationTests {
    static let redis: JSONValue = [
        "name": "Redis Cache", "visible_to": ["organization=1:account=*"], "use_default_actions": true,
        "attributes": [
            "schema": [
                "type": "object", "required": ["size"],
                "properties": [
                    "size": ["type": "string", "enum": ["s", "m"], "editableOn": ["create", "update"]],
                    "engine": ["type": "string", "editableOn": ["create"]],
                    "endpoint": ["type": "string", "editableOn": []],
                ],
            ], "values": [:],
        ],
    ]

    @Test func serviceSpecificationCRUD() async throws {
        try await withServer(seeded: false) { api in
            let created = try await api.expect(200, .post, "/service_specification", Self.redis)
            let id = try #require(created["id"]?.stringValue)
            #expect(created["slug"] == "redis-cache")
            #expect(created["type"] == "dependency")
            #expect(created["assignable_to"] == "any")
            try await api.expect(200, .get, "/service_specification/\(id)")
            let patched = try await api.expect(200, .patch, "/service_specification/\(id)", ["description": "in-memory"])
            #expect(patched["description"] == "in-memory")
            #expect(patched["name"] == "Redis Cache")
            let snapshots = try await api.expect(200, .get, "/service_specification/\(id)/snapshots")
            #expect(snapshots["results"]?.arrayValue?.count == 1)
            let latest = snapshots["results"]?.arrayValue?.first
            #expect(latest?["id"]?.stringValue == id)
            #expect(latest?["sequence_number"] == 1)
            try await api.expect(200, .delete, "/service_specification/\(id)")
            try await api.expect(404, .get, "/service_specification/\(id)")
        }
    }

    @Test func defaultActionsAreGeneratedFromTheAttributesSchema() async throws {
        try await withServer(seeded: false) { api in
            let id = try await api.expect(200, .post, "/service_specification", Self.redis)["id"]!.stringValue!
            let actions = try await api.expect(200, .get, "/service_specification/\(id)/action_specification")["results"]!.arrayValue!
            #expect(actions.map { $0["slug"]!.stringValue! } == ["create-redis-cache", "update-redis-cache", "delete-redis-cache"])
            let create = actions[0]
            #expect(create["parameters"]?["schema"]?["required"] == ["size"])
            #expect(create["parameters"]?["schema"]?["properties"]?.objectValue?.keys == ["size", "engine"])
            #expect(actions[1]["parameters"]?["schema"]?["properties"]?.objectValue?.keys == ["size"])
            #expect(create["results"]?["schema"]?["properties"]?["endpoint"]?["target"] == "endpoint")
            let byId = try await api.expect(200, .get, "/action_specification/\(create["id"]!.stringValue!)")
            #expect(byId["service_specification_id"] == .string(id))
        }
    }

    @Test func actionSpecificationCRUDUnderItsParent() async throws {
        try await withServer { api in
            let base = "/service_specification/\(Fixtures.mysqlSpec)/action_specification"
            let created = try await api.expect(200, .post, base, ["name": "Rotate Password", "type": "custom"])
            let id = created["id"]!.stringValue!
            #expect(created["slug"] == "rotate-password")
            #expect(created["service_specification_id"] == .string(Fixtures.mysqlSpec))
            try await api.expect(200, .patch, "\(base)/\(id)", ["icon": "key"])
            try await api.expect(200, .get, "\(base)/\(id)")
            try await api.expect(404, .get, "/link_specification/\(Fixtures.connectMySQL)/action_specification/\(id)")
            let filtered = try await api.expect(200, .get, "/action_specification?service_specification_id=\(Fixtures.mysqlSpec)&type=custom")
            #expect(filtered["results"]?.arrayValue?.count == 2)
            try await api.expect(200, .delete, "\(base)/\(id)")
            try await api.expect(404, .get, "/action_specification/\(id)")
            try await api.expect(400, .post, base, ["name": "Bad", "type": "explode"])
        }
    }

    @Test func linkSpecificationsHangUnderAServiceSpecification() async throws {
        try await withServer { api in
            let list = try await api.expect(200, .get, "/service_specification/\(Fixtures.mysqlSpec)/link_specification")
            #expect(list["results"]?.arrayValue?.map { $0["slug"] } == ["connect-mysql"])
            let actions = try await api.expect(200, .get, "/link_specification/\(Fixtures.connectMySQL)/action_specification")
            #expect(actions["results"]?.arrayValue?.count == 3)
            try await api.expect(400, .post, "/link_specification", ["name": "x", "specification_id": "nope", "visible_to": ["organization=1"]])
        }
    }

    @Test func duplicateSlugsAndUnknownFieldsAreRefused() async throws {
        try await withServer { api in
            let duplicate = try await api.expect(409, .post, "/service_specification", ["name": "MySQL", "visible_to": ["organization=1"]])
            #expect(duplicate["code"] == "conflict")
            let unknown = try await api.expect(
                400,
                .post,
                "/service_specification",
                ["name": "X", "visible_to": ["organization=1"], "availabel_actions": []]
            )
            #expect(unknown["message"]?.stringValue?.contains("availabel_actions") == true)
            try await api.expect(400, .post, "/service_specification", ["name": "X"])
            try await api.expect(400, .post, "/service_specification", ["name": "X", "visible_to": ["org=1"]])
            try await api.expect(404, .put, "/service_specification/\(Fixtures.mysqlSpec)", ["name": "X"])
        }
    }

    @Test func aSpecificationInUseCannotBeDeleted() async throws {
        try await withServer { api in
            _ = try await api.createMySQL()
            try await api.expect(409, .delete, "/service_specification/\(Fixtures.mysqlSpec)")
        }
    }
}

@Suite struct RemainingEndpointTests {
    @Test func linkSpecificationsCanBePatchedAndDeleted() async throws {
        try await withServer { api in
            let created = try await api.expect(
                200,
                .post,
                "/link_specification",
                [
                    "name": "Read Replica", "specification_id": .string(Fixtures.mysqlSpec), "visible_to": ["organization=1"],
                    "use_default_actions": true,
                ]
            )
            let id = created["id"]!.stringValue!
            #expect(try await api.expect(200, .patch, "/link_specification/\(id)", ["name": "Replica"])["slug"] == "replica")
            #expect(try await api.expect(200, .get, "/link_specification?specification_id=\(Fixtures.mysqlSpec)")["paging"]?["total"] == 2)
            try await api.expect(200, .delete, "/link_specification/\(id)")
            try await api.expect(404, .get, "/link_specification/\(id)")
            #expect(try await api.expect(200, .get, "/action_specification?link_specification_id=\(id)")["paging"]?["total"] == 0)
        }
    }

    @Test func actionsCanBeDeletedUnderTheirParentOnly() async throws {
        try await withServer { api in
            let service = try await api.activeMySQL()
            let other = try await api.activeMySQL(name: "other-db")
            let action = try await api.runAction(on: service, spec: Fixtures.getCredentials)
            try await api.expect(404, .delete, "/service/\(other)/action/\(action)")
            try await api.expect(200, .delete, "/service/\(service)/action/\(action)")
            try await api.expect(404, .get, "/service/\(service)/action/\(action)")
        }
    }
}
