import Foundation
import Testing

@testable import NPSimCore

/// The envelope must keep the product brief's payload: same field names, types, nesting and order.
@Suite struct EnvelopeTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/sqs-create-envelope.json")

    /// The brief's example, rebuilt from stored records.
    static func briefEnvelope() throws -> JSONValue {
        let lineage = try [
            ("organization=17126128", "my-organization"), ("organization=17126128:account=1264712817", "my-account"),
            ("organization=17126128:account=1264712817:namespace=812712367", "my-namespace"),
            ("organization=17126128:account=1264712817:namespace=812712367:application=219123817", "my-application"),
            ("organization=17126128:account=1264712817:namespace=812712367:application=219123817:scope=1761267173", "my-scope"),
        ].map { NRNEntity(nrn: try NRN(parsing: $0.0), name: $0.1, slug: $0.1) }
        let input = EnvelopeBuilder.Input(
            action: [
                "id": "70afee17-cef2-49e0-8931-ae6de3df3b96", "name": "create-users-queue", "slug": "create-users-queue", "status": "pending",
                "type": "create", "specification_id": "284c262a-dcf4-4af8-9dca-7c310c57d42b", "parameters": ["fifo": false, "dead_letter": false],
                "results": [:], "messages": [], "created_at": "2024-05-02T20:56:35.389Z", "updated_at": "2024-05-02T20:56:35.389Z",
            ],
            actionSpecification: ["id": "284c262a-dcf4-4af8-9dca-7c310c57d42b", "slug": "create-sqs-queue", "type": "create"],
            service: [
                "id": "363a5893-ed84-4eba-a4c1-a80098b9f74e", "name": "users-queue", "slug": "users-queue", "status": "creating",
                "type": "dependency", "attributes": [:], "dimensions": ["environment": "production", "country": "us"],
                "entity_nrn": "organization=1:account=1:namespace=1:application=1",
            ],
            serviceSpecification: ["id": "529d8786-4af4-4625-87de-664ad7c9ef5f", "slug": "sqs-queue"],
            lineage: lineage,
            entityNRN: "organization=1:account=1:namespace=1:application=1"
        )
        return EnvelopeBuilder.envelope(
            id: "a04c2970-47b7-4ae8-a58b-a7e8b2781b10",
            createdAt: Date(timeIntervalSince1970: 1_714_683_395.605),
            notification: EnvelopeBuilder.notification(input)
        )
    }

    @Test func envelopeMatchesTheGoldenFileByteForByte() throws {
        let bytes = JSONWriter.bytes(try Self.briefEnvelope(), pretty: true) + [0x0A]
        let expected = try Data(contentsOf: Self.golden)
        #expect(bytes == Array(expected), "regenerate only after checking the change against the product brief")
    }

    @Test func envelopeKeepsTheBriefsFieldsInTheBriefsOrder() throws {
        let envelope = try Self.briefEnvelope()
        #expect(envelope.objectValue?.keys == ["id", "source", "created_at", "notification"])
        #expect(envelope["created_at"] == "1714683395605")
        let notification = try #require(envelope["notification"]?.objectValue)
        #expect(
            notification.keys == [
                "action", "id", "name", "slug", "messages", "status", "created_at", "updated_at", "parameters", "results",
                "type", "specification", "service", "link", "dimensions", "tags", "entity_nrn",
            ]
        )
        let service = try #require(notification["service"]?.objectValue)
        #expect(Array(service.keys.prefix(5)) == ["id", "slug", "attributes", "specification", "dimensions"])
        #expect(notification["link"] == .null)
        #expect(
            notification["tags"] == [
                "organization_id": "17126128", "organization": "my-organization", "account_id": "1264712817", "account": "my-account",
                "namespace_id": "812712367", "namespace": "my-namespace", "application_id": "219123817", "application": "my-application",
                "scope_id": "1761267173", "scope": "my-scope",
            ]
        )
    }
}
