import Testing

@testable import NPSimCore

@Suite struct NRNTests {
    @Test(arguments: ["organization=1", "organization=1:account=2:namespace=3:application=4:scope=5"])
    func validNRNsParseAndPrintBack(text: String) throws {
        #expect(try NRN(parsing: text).description == text)
    }

    @Test(arguments: [
        "", "account=1", "organization=a", "organization=1:namespace=2", "organization=1:account=", "organization=1:account=*",
        "organization=1:account=2:namespace=3:application=4:scope=5:x=6", "organization=١",
    ])
    func invalidNRNsAreRefused(text: String) {
        #expect(throws: APIError.self) { try NRN(parsing: text) }
    }

    @Test func wildcardsAreOnlyAcceptedInPatterns() throws {
        #expect(try NRN(parsing: "organization=1:account=*", allowWildcards: true).hasWildcard)
    }

    @Test func ancestryFollowsThePrefixAndWildcardsMatchAnyId() throws {
        let app = try NRN(parsing: "organization=1:account=2:namespace=3:application=4")
        #expect(try NRN(parsing: "organization=1:account=2").isAncestorOrSelf(of: app))
        #expect(app.isAncestorOrSelf(of: app))
        #expect(try !NRN(parsing: "organization=1:account=9").isAncestorOrSelf(of: app))
        #expect(try NRN(parsing: "organization=1:account=*", allowWildcards: true).isAncestorOrSelf(of: app))
        #expect(!app.isAncestorOrSelf(of: try NRN(parsing: "organization=1:account=2")))
    }

    @Test func listsShowWhatIsInheritedAndDescendantsOnlyWhenAsked() throws {
        let org = try NRN(parsing: "organization=1")
        let app = try NRN(parsing: "organization=1:account=2:namespace=3:application=4")
        let sibling = try NRN(parsing: "organization=1:account=2:namespace=3:application=5")
        #expect(NRN.isVisible(owners: [org], query: app, includeDescendants: false))
        #expect(!NRN.isVisible(owners: [app], query: org, includeDescendants: false))
        #expect(NRN.isVisible(owners: [app], query: org, includeDescendants: true))
        #expect(NRN.isVisible(owners: [app], query: try NRN(parsing: "organization=1:account=*", allowWildcards: true), includeDescendants: false))
        #expect(!NRN.isVisible(owners: [sibling], query: app, includeDescendants: true))
    }

    @Test func tagsCarryIdsAsStringsAndSlugsPerLevel() throws {
        let lineage = [
            NRNEntity(nrn: try NRN(parsing: "organization=1"), name: "Org", slug: "org"),
            NRNEntity(nrn: try NRN(parsing: "organization=1:account=2"), name: "Acc", slug: "acc"),
        ]
        #expect(
            JSONValue.object(NRNEntity.tags(for: lineage)) == ["organization_id": "1", "organization": "org", "account_id": "2", "account": "acc"]
        )
    }
}
