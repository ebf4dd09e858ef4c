import NPSimCore
import Testing

@Suite struct LinkTests {
    @Test func linkActionsDriveTheLinkAndCarryLinkAndServiceIds() async throws {
        try await withServer { api in
            let service = try await api.activeMySQL()
            let link = try await api.connectMySQL(to: service, attributes: ["permissions": "write"])
            #expect(link["status"] == "pending")
            #expect(link["slug"] == "orders-app")
            let linkId = link["id"]!.stringValue!
            let specs = try await api.expect(200, .get, "/link_specification/\(Fixtures.connectMySQL)/action_specification?type=create")
            let createSpec = try #require(specs["results"]?.arrayValue?.first?["id"])
            let action = try await api.expect(
                200,
                .post,
                "/link/\(linkId)/action",
                ["specification_id": createSpec, "parameters": ["permissions": "write"]]
            )
            #expect(action["link_id"] == .string(linkId))
            #expect(action["service_id"] == .string(service))
            #expect(try await api.expect(200, .get, "/link/\(linkId)")["status"] == "creating")
            try await api.expect(
                200,
                .patch,
                "/link/\(linkId)/action/\(action["id"]!.stringValue!)",
                [
                    "status": "success", "results": ["username": "orders", "password": "pw"],
                ]
            )
            let active = try await api.expect(200, .get, "/link/\(linkId)?include_secret_attributes=true")
            #expect(active["status"] == "active")
            #expect(active["attributes"] == ["permissions": "write", "username": "orders", "password": "pw"])
            try await api.expect(200, .get, "/link/\(linkId)/action")
            try await api.expect(404, .get, "/service/\(service)/action/\(action["id"]!.stringValue!)")
        }
    }

    @Test func linksAreCheckedAgainstServiceAndSpecification() async throws {
        try await withServer { api in
            let service = try await api.activeMySQL()
            try await api.expect(
                400,
                .post,
                "/link",
                [
                    "name": "x", "service_id": "missing", "specification_id": .string(Fixtures.connectMySQL), "entity_nrn": .string(Fixtures.appNRN),
                ]
            )
            try await api.expect(
                400,
                .post,
                "/link",
                [
                    "name": "x", "service_id": .string(service), "specification_id": .string(Fixtures.connectMySQL),
                    "entity_nrn": .string(Fixtures.appNRN), "attributes": ["permissions": "root"],
                ]
            )
            // An NRN npsim was not told about names an entity of the platform: it is created with a placeholder name.
            try await api.expect(
                200,
                .post,
                "/link",
                [
                    "name": "x", "service_id": .string(service), "specification_id": .string(Fixtures.connectMySQL),
                    "entity_nrn": "organization=1:account=77",
                ]
            )
            #expect(try await api.expect(200, .get, "/account/77")["slug"] == "account-77")
            #expect(try await api.expect(200, .get, "/account?organization_id=1&slug=account-77")["results"]?.arrayValue?.count == 1)
            #expect(try await api.expect(200, .get, "/account?organization_id=2&slug=account-77")["results"] == [])
            let unique = try await api.expect(
                200,
                .post,
                "/link_specification",
                [
                    "name": "Exclusive", "specification_id": .string(Fixtures.mysqlSpec), "unique": true, "visible_to": ["organization=1"],
                ]
            )["id"]!
            try await api.expect(
                200,
                .post,
                "/link",
                ["name": "a", "service_id": .string(service), "specification_id": unique, "entity_nrn": .string(Fixtures.appNRN), "status": "active"]
            )
            try await api.expect(
                409,
                .post,
                "/link",
                ["name": "b", "service_id": .string(service), "specification_id": unique, "entity_nrn": .string(Fixtures.appNRN)]
            )
        }
    }
}
