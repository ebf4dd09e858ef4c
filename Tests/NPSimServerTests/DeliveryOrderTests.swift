import Foundation
import NPSimCore
import Testing

@Suite struct DeliveryOrderTests {
    /// With one delivery slot per channel and a slow receiver, most deliveries wait in the queue while new actions
    /// keep coming; none is handed over ahead of them, so the receiver gets the notifications in the order the
    /// actions were accepted (a runner must see a create before the delete that follows it).
    @Test func aBusyChannelReceivesNotificationsInTheOrderTheActionsWereAccepted() async throws {
        try await withReceivers([{ _ in .slow(.milliseconds(20)) }]) { receivers in
            let server = try await NPSimProcess(arguments: ["--in-memory", "--seed", Fixtures.directory, "--max-deliveries-per-channel", "1"])
            let token = try await server.token()
            let service = try await server.addWebhookAndMySQLService(named: "ordered", url: receivers[0].url, token: token)
            var accepted: [String] = []
            for _ in 0..<40 {
                let reply = try await server.call(
                    .POST,
                    "/service/\(service)/action",
                    ["specification_id": .string(Fixtures.getCredentials)],
                    token: token
                )
                accepted.append(try #require(reply.json["id"]?.stringValue, "\(JSONWriter.string(reply.json))"))
            }
            try await eventually(within: .seconds(30), "every notification arrived") { await receivers[0].requests.count >= accepted.count }
            let arrived = await receivers[0].requests.compactMap { $0.json["notification"]?["id"]?.stringValue }
            // Where the order broke: arrival position, and the position the action had when it was accepted.
            let misplaced = zip(arrived, accepted).enumerated().filter { $0.element.0 != $0.element.1 }
                .map { "\($0.offset): #\(accepted.firstIndex(of: $0.element.0) ?? -1)" }
            #expect(arrived == accepted, "\(arrived.count) arrived; out of order: \(misplaced)")
        }
    }
}
