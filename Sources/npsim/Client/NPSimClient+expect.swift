import NPSimCore

extension NPSimClient {
    /// `POST /_npsim/expect`, waiting as long as the expectation may take; returns the answer when it was met, and
    /// otherwise fails with npsim's message and what it observed.
    func expect(_ expectation: JSONValue) async throws -> JSONValue {
        let asked = expectation["during"]?.doubleValue ?? expectation["timeout"]?.doubleValue ?? 10
        let wait = asked.isFinite ? min(max(asked, 0), 600) : 0
        let reply = try await send("POST", "/_npsim/expect", expectation, timeout: .seconds(Int64(wait) + 30))
        switch reply.status {
        case 200: return reply.json
        case 417: throw CommandFailure("\(reply.message)\nobserved: \(JSONWriter.string(reply.json["observed"] ?? .null, pretty: true))")
        default: throw CommandFailure("POST /_npsim/expect failed (\(reply.status)): \(reply.message)")
        }
    }
}
