import NPSimCore
import Testing

@Suite struct BadInputTests {
    @Test(arguments: ["{", "{\"name\": }", "[1,", "nul", "\u{FF}\u{FE}"])
    func malformedJSONIsA400WithAJSONBody(body: String) async throws {
        try await withServer { api in
            let reply = try await api.call(.post, "/service", rawBody: Array(body.utf8))
            #expect(reply.status == 400)
            #expect(reply.json["code"] == "malformed_json")
        }
    }

    @Test func nonObjectBodiesAndWrongTypesNameTheField() async throws {
        try await withServer { api in
            let array = try await api.expect(400, .post, "/service", [1, 2])
            #expect(array["message"]?.stringValue?.contains("must be a JSON object") == true)
            let wrong = try await api.expect(
                400,
                .post,
                "/service",
                [
                    "name": 42, "specification_id": .string(Fixtures.mysqlSpec), "entity_nrn": .string(Fixtures.appNRN),
                ]
            )
            #expect(wrong["message"] == "service.name must be a string, got integer")
            let dims = try await api.expect(
                400,
                .post,
                "/service",
                [
                    "name": "x", "specification_id": .string(Fixtures.mysqlSpec), "entity_nrn": .string(Fixtures.appNRN), "dimensions": "prod",
                ]
            )
            #expect(dims["message"] == "service.dimensions must be an object, got string")
            let unknown = try await api.expect(
                400,
                .post,
                "/service",
                [
                    "name": "x", "specification_id": .string(Fixtures.mysqlSpec), "entity_nrn": .string(Fixtures.appNRN), "colour": "blue",
                ]
            )
            #expect(unknown["message"]?.stringValue?.hasPrefix("service.colour is not a field of service") == true)
            try await api.expect(
                400,
                .post,
                "/service",
                ["name": "x", "specification_id": .string(Fixtures.mysqlSpec), "entity_nrn": "organization=1:account=two"]
            )
        }
    }

    @Test func unknownIdsAre404s() async throws {
        try await withServer { api in
            for path in [
                "/service/nope", "/link/nope", "/service_specification/nope", "/link_specification/nope", "/action_specification/nope",
                "/service/nope/action", "/notification/channel/999", "/account/999", "/no/such/route",
            ] {
                let reply = try await api.call(.get, path)
                #expect(reply.status == 404, "\(path)")
                #expect(reply.json["code"] == "not_found", "\(path)")
            }
            try await api.expect(404, .patch, "/service/nope", ["name": "x"])
            try await api.expect(404, .delete, "/link/nope")
        }
    }

    @Test func oversizedBodiesAreRefusedWith413AndNothingIsStored() async throws {
        try await withServer { api in
            let huge = JSONValue.object([
                "name": "big", "description": .string(String(repeating: "x", count: 2 << 20)), "visible_to": ["organization=1"],
            ])
            let reply = try await api.call(.post, "/service_specification", huge)
            #expect(reply.status == 413)
            #expect(reply.json["code"] == "payload_too_large")
            #expect(try await api.expect(200, .get, "/service_specification?slug=big")["paging"]?["total"] == 0)
        }
    }

    @Test func unicodeNamesAreStoredAndReturnedIntact() async throws {
        try await withServer { api in
            let service = try await api.expect(
                200,
                .post,
                "/service",
                [
                    "name": "Base de données 数据库 🚀", "specification_id": .string(Fixtures.mysqlSpec), "entity_nrn": .string(Fixtures.appNRN),
                ]
            )
            #expect(service["slug"] == "base-de-données-数据库")
            let read = try await api.expect(200, .get, "/service/\(service["id"]!.stringValue!)")
            #expect(read["name"] == "Base de données 数据库 🚀")
            try await api.expect(
                400,
                .post,
                "/service",
                ["name": "🚀🚀", "specification_id": .string(Fixtures.mysqlSpec), "entity_nrn": .string(Fixtures.appNRN)]
            )
        }
    }

    @Test func duplicateServiceSlugsConflictButFailedRequestsLoseNothing() async throws {
        try await withServer { api in
            let id = try await api.createMySQL(name: "orders")
            let again = try await api.expect(
                409,
                .post,
                "/service",
                [
                    "name": "orders", "specification_id": .string(Fixtures.mysqlSpec), "entity_nrn": .string(Fixtures.appNRN),
                ]
            )
            #expect(again["message"]?.stringValue?.contains(id) == true)
            #expect(try await api.expect(200, .get, "/service/\(id)")["name"] == "orders")
        }
    }

    @Test func concurrentWritersNeitherLoseUpdatesNorSeeLockErrors() async throws {
        try await withServer { api in
            let service = try await api.createMySQL()
            let action = try await api.runAction(on: service, spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        try await api.call(.patch, "/service/\(service)/action/\(action)", ["messages": [["message": .string("m\(index)")]]]).status
                    }
                }
                for try await status in group { #expect(status == 200) }
            }
            let messages = try await api.expect(200, .get, "/service/\(service)/action/\(action)?include_messages=true")["messages"]
            #expect(messages?.arrayValue?.count == 40)
        }
    }
}
