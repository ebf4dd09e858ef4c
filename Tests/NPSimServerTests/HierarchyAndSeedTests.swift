import NPSimCore
import NPSimServer
import Testing

@Suite struct HierarchyAndSeedTests {
    @Test func hierarchyEntitiesAreCreatedUnderTheirParent() async throws {
        try await withServer { api in
            let namespace = try await api.expect(200, .post, "/namespace", ["name": "Payments", "account_id": 2])
            #expect(namespace["nrn"]?.stringValue?.hasPrefix("organization=1:account=2:namespace=") == true)
            let app = try await api.expect(200, .post, "/application", ["name": "Checkout", "namespace_id": namespace["id"]!, "id": 77])
            #expect(app["nrn"]?.stringValue?.hasSuffix(":application=77") == true)
            #expect(app["slug"] == "checkout")
            try await api.expect(200, .get, "/application/77")
            try await api.expect(409, .post, "/application", ["name": "Again", "namespace_id": namespace["id"]!, "id": 77])
            try await api.expect(400, .post, "/application", ["name": "Orphan", "namespace_id": 12345])
            try await api.expect(400, .post, "/account", ["name": "No parent"])
            #expect(try await api.expect(200, .get, "/application")["paging"]?["total"] == 2)
        }
    }

    @Test func fixturesLoadFromYAMLAndJSONAndReseedingIsIdempotent() async throws {
        try await withServer { api in
            let specs = try await api.expect(200, .get, "/service_specification")
            #expect(specs["results"]?.arrayValue?.compactMap { $0["slug"]?.stringValue }.sorted() == ["mysql", "sqs-queue"])
            let mysqlActions = try await api.expect(200, .get, "/service_specification/\(Fixtures.mysqlSpec)/action_specification")
            #expect(mysqlActions["results"]?.arrayValue?.map { $0["name"] } == ["Create MySQL", "Update MySQL", "Delete MySQL", "Get Credentials"])
            let documents = try FixtureLoader.load(directory: Fixtures.directory).map(\.document)
            let reseed = try await api.expect(200, .post, "/_npsim/seed", .array(documents))
            #expect(reseed["created"]?["service_specification"] == nil)
            #expect(try await api.expect(200, .get, "/service_specification")["paging"]?["total"] == 2)
            try await api.expect(400, .post, "/_npsim/seed", ["widgets": []])
        }
    }
}
