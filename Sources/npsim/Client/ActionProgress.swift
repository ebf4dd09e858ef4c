import ArgumentParser
import NPSimCore

/// Watches an action until it ends, printing each status change and each new message as the runner reports
/// them; `npsim action run`, `npsim action wait` and the demo use it.
struct ActionProgress {
    static let terminal: Set<String> = ["success", "failed", "cancelled"]

    let api: NPSimClient
    /// `/service/ID/action/ACTION` or `/link/ID/action/ACTION`.
    let path: String
    let timeout: Duration
    let say: (String) -> Void

    /// The action once it ended.
    func wait() async throws -> JSONValue {
        var lastStatus = ""
        var seenMessages = 0
        let deadline = ContinuousClock.now + timeout
        while true {
            let action = try await api.call("GET", path + "?include_messages=true")
            let status = action["status"]?.stringValue ?? "?"
            let messages = action["messages"]?.arrayValue ?? []
            for message in messages.dropFirst(seenMessages) {
                say("  [\(message["level"]?.stringValue ?? "info")] \(message["message"]?.stringValue ?? JSONWriter.string(message))")
            }
            seenMessages = max(seenMessages, messages.count)
            if status != lastStatus {
                say("  action \(status)")
                lastStatus = status
            }
            if Self.terminal.contains(status) { return action }
            guard ContinuousClock.now < deadline else {
                throw CommandFailure(
                    "the action is still \(status) after \(timeout); is a runner listening? 'npsim deliveries list' shows what was delivered"
                )
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
