import Foundation
import GRDB
import NPSimCore
import Testing

@testable import NPSimStore

/// New actions read the hierarchy, specifications and channels through a memo checked against a version that any
/// write to them replaces: a change is seen by the very next action, and a write that rolled back leaves nothing.
@Suite struct ReferenceDataTests {
    private struct Refused: Error {}

    private static let organization = try! NRN(parsing: "organization=1")

    private static func slugs(_ database: AppDatabase) async throws -> [String] {
        try await database.writer.read { db in try ReferenceData(in: db, memo: database.referenceMemo).lineage(of: organization).map(\.slug) }
    }

    private static func channelIds(_ database: AppDatabase) async throws -> [Int] {
        try await database.writer.read { db in
            try ReferenceData(in: db, memo: database.referenceMemo).channels().compactMap { $0.object["id"]?.intValue }
        }
    }

    @Test func aRolledBackWriteLeavesNothingInTheMemoAndACommittedOneIsSeenAtOnce() async throws {
        let database = try AppDatabase.inMemory()
        try await database.writer.write { db in
            try Hierarchy.upsert(NRNEntity(nrn: Self.organization, name: "Org", slug: "org"), in: db)
            try Documents.insert(.channel, ["id": 1, "nrn": "organization=1", "type": "http", "status": "active"], in: db)
        }
        #expect(try await Self.slugs(database) == ["org"])
        #expect(try await Self.channelIds(database) == [1])

        // Read through the memo inside the transaction that changed the data, then rolled back.
        await #expect(throws: Refused.self) {
            try await database.writer.write { db in
                try Hierarchy.upsert(NRNEntity(nrn: Self.organization, name: "Renamed", slug: "renamed"), in: db)
                try Documents.insert(.channel, ["id": 2, "nrn": "organization=1", "type": "http", "status": "active"], in: db)
                let reference = try ReferenceData(in: db, memo: database.referenceMemo)
                #expect(try reference.lineage(of: Self.organization).map(\.slug) == ["renamed"])
                #expect(try reference.channels().compactMap { $0.object["id"]?.intValue } == [1, 2])
                throw Refused()
            }
        }
        #expect(try await Self.slugs(database) == ["org"])
        #expect(try await Self.channelIds(database) == [1])

        try await database.writer.write { db in
            try Hierarchy.upsert(NRNEntity(nrn: Self.organization, name: "Renamed", slug: "renamed"), in: db)
            try Documents.delete(.channel, id: "1", in: db)
        }
        #expect(try await Self.slugs(database) == ["renamed"])
        #expect(try await Self.channelIds(database) == [])
    }

    @Test func specificationsAreSeenAsStoredAfterEachWrite() async throws {
        let database = try AppDatabase.inMemory()
        func read() async throws -> JSONValue? {
            try await database.writer.read { db in
                try ReferenceData(in: db, memo: database.referenceMemo).specification(.actionSpecification, id: "a").map { $0["name"] ?? .null }
            }
        }
        #expect(try await read() == nil)
        try await database.writer.write { db in try Documents.insert(.actionSpecification, ["id": "a", "name": "First"], in: db) }
        #expect(try await read() == "First")
        try await database.writer.write { db in try Documents.update(.actionSpecification, ["id": "a", "name": "Second"], in: db) }
        #expect(try await read() == "Second")
        try await database.writer.write { db in try Documents.delete(.actionSpecification, id: "a", in: db) }
        #expect(try await read() == nil)
        // Deleting a service specification takes its action specifications with it.
        try await database.writer.write { db in
            try Documents.insert(.actionSpecification, ["id": "a", "name": "Third", "service_specification_id": "s"], in: db)
        }
        #expect(try await read() == "Third")
        try await database.writer.write { db in try Documents.deleteChildren(.actionSpecification, of: "s", in: db) }
        #expect(try await read() == nil)
    }

    /// Each new action is a document too: writing one must leave the version, and so the memo, as they were.
    @Test func writesToOtherKindsKeepTheVersion() async throws {
        let database = try AppDatabase.inMemory()
        func version() async throws -> Data? {
            try await database.writer.read { db in try Settings.stored(ReferenceData.versionKey, in: db) }
        }
        let before = try #require(try await version())
        try await database.writer.write { db in
            try Documents.insert(.serviceAction, ["id": "a", "service_id": "s", "status": "pending"], in: db)
            try Documents.update(.serviceAction, ["id": "a", "service_id": "s", "status": "success"], in: db)
            try Documents.insert(.service, ["id": "s", "status": "active"], in: db)
            try Documents.deleteChildren(.serviceAction, of: "s", in: db)
            try Documents.delete(.service, id: "s", in: db)
        }
        #expect(try await version() == before)
        try await database.writer.write { db in try Documents.insert(.channel, ["id": 1, "nrn": "organization=1", "type": "http"], in: db) }
        #expect(try await version() != before)
    }

    /// Through the API: a channel switched off and another added between two actions route the second one anew.
    @Test func theNextActionIsRoutedByTheChannelsAsTheyAreNow() async throws {
        try await withReceivers([{ _ in .status(204) }, { _ in .status(204) }]) { receivers in
            try await withServer { api in
                let first = try await api.expect(200, .post, "/notification/channel", DeliveryTests.channel(receivers[0].url))
                let service = try await api.activeMySQL()
                _ = try await api.runAction(on: service, spec: Fixtures.getCredentials)
                try await eventually("the first channel got the action") { await receivers[0].requests.count == 2 }

                try await api.expect(200, .patch, "/notification/channel/\(first["id"]?.intValue ?? 0)", ["status": "inactive"])
                try await api.expect(200, .post, "/notification/channel", DeliveryTests.channel(receivers[1].url))
                let action = try await api.runAction(on: service, spec: Fixtures.getCredentials)
                try await eventually("the new channel got the action") { await receivers[1].requests.count == 1 }
                #expect(await receivers[1].requests.first?.json["notification"]?["id"] == .string(action))
                let routed = try await api.expect(200, .get, "/notification?action_id=\(action)")
                #expect(routed["paging"]?["total"] == 1)
                #expect(await receivers[0].requests.count == 2, "the inactive channel got nothing more")
            }
        }
    }
}
