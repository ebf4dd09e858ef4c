import NPSimCore
import Testing

@Suite struct ListTests {
    @Test func listsPageWithLimitAndOffset() async throws {
        try await withServer { api in
            for index in 0..<5 { _ = try await api.createMySQL(name: "db-\(index)") }
            let page = try await api.expect(200, .get, "/service?specification_id=\(Fixtures.mysqlSpec)&limit=2&offset=1")
            #expect(page["paging"]?["limit"] == 2)
            #expect(page["paging"]?["offset"] == 1)
            #expect(page["paging"]?["total"] == 5)
            #expect(page["results"]?.arrayValue?.map { $0["name"] } == ["db-1", "db-2"])
            try await api.expect(400, .get, "/service?limit=0")
            try await api.expect(400, .get, "/service?limit=abc")
            try await api.expect(400, .get, "/service?offset=-1")
        }
    }

    @Test func nrnFilterShowsWhatIsVisibleThereWithWildcardsAndDescendants() async throws {
        try await withServer { api in
            _ = try await api.createMySQL()
            let app = "organization%3D1:account%3D2:namespace%3D3:application%3D4"
            #expect(try await api.expect(200, .get, "/service?nrn=\(app)")["paging"]?["total"] == 2)
            #expect(try await api.expect(200, .get, "/service?nrn=\(app):scope%3D5")["paging"]?["total"] == 2)
            #expect(try await api.expect(200, .get, "/service?nrn=organization%3D1")["paging"]?["total"] == 0)
            #expect(try await api.expect(200, .get, "/service?nrn=organization%3D1&show_descendants=true")["paging"]?["total"] == 2)
            #expect(try await api.expect(200, .get, "/service?nrn=organization%3D1:account%3D*")["paging"]?["total"] == 2)
            #expect(try await api.expect(200, .get, "/service?nrn=organization%3D9:account%3D*")["paging"]?["total"] == 0)
            #expect(try await api.expect(200, .get, "/service_specification?nrn=\(app)")["paging"]?["total"] == 2)
            #expect(try await api.expect(200, .get, "/service?entity_nrn=\(app)")["paging"]?["total"] == 2)
            try await api.expect(400, .get, "/service?nrn=bogus")
        }
    }

    @Test func statusTypeIdAndSlugFiltersAcceptCommaLists() async throws {
        try await withServer { api in
            let active = try await api.activeMySQL(name: "one")
            let pending = try await api.createMySQL(name: "two")
            let both = try await api.expect(200, .get, "/service?status=active,pending&specification_id=\(Fixtures.mysqlSpec)")
            #expect(both["paging"]?["total"] == 2)
            let onlyActive = try await api.expect(200, .get, "/service?status=active")
            #expect(onlyActive["results"]?.arrayValue?.map { $0["id"] } == [.string(active)])
            #expect(try await api.expect(200, .get, "/service?id=\(pending)")["paging"]?["total"] == 1)
            #expect(try await api.expect(200, .get, "/service?type=scope")["paging"]?["total"] == 0)
            #expect(try await api.expect(200, .get, "/service_specification?slug=mysql")["paging"]?["total"] == 1)
            let actions = try await api.expect(200, .get, "/service/\(active)/action?status=success")
            #expect(actions["paging"]?["total"] == 1)
        }
    }
}
