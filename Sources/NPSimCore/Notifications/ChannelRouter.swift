/// Decides which channels receive a notification, as nullplatform's notification API does: the channel is
/// `active`, lists the notification's source, sits at the entity's NRN or an ancestor, and its filters match.
///
/// Unlike the real platform, it also says *why* a channel was skipped, because a notification that silently
/// reaches nobody is the commonest pain of people writing runners.
public enum ChannelRouter {
    public enum Decision: Sendable, Equatable {
        case deliver
        case skip(reason: String)
    }

    /// - Parameters:
    ///   - channelNRN: the channel's `nrn`, parsed, when the caller keeps it (routing reads every channel for every
    ///     new action); parsed here otherwise.
    ///   - agentTags: the tags of the local agent (`--agent-tag`); an `agent` channel's `selector` must be a subset
    ///     of them, as nullplatform's agents API requires.
    public static func decide(
        channel: JSONObject,
        channelNRN: NRN? = nil,
        source: String,
        entityNRN: NRN,
        notification: JSONValue,
        agentTags: [String: String] = [:]
    ) -> Decision {
        let id = channel["id"]?.intValue.map(String.init) ?? "?"
        guard channel["status"] == "active" else { return .skip(reason: "channel \(id) is \(channel["status"]?.stringValue ?? "inactive")") }
        guard channel["source"]?.arrayValue?.contains(.string(source)) == true else {
            return .skip(reason: "channel \(id) does not list source '\(source)'")
        }
        guard let nrn = channelNRN ?? Self.nrn(of: channel), nrn.isAncestorOrSelf(of: entityNRN) else {
            return .skip(reason: "channel \(id) at \(channel["nrn"]?.stringValue ?? "?") is not at \(entityNRN) or an ancestor")
        }
        if let filters = channel["filters"]?.objectValue, !FilterMatcher.matches(filters, notification) {
            return .skip(reason: "channel \(id) filters \(JSONWriter.string(.object(filters))) do not match")
        }
        if channel["type"] == "agent" {
            let selector = channel["configuration"]?["selector"]?.objectValue ?? JSONObject()
            let unmatched = selector.filter { agentTags[$0.key] != ($0.value.stringValue ?? JSONWriter.string($0.value)) }.map(\.key)
            if !unmatched.isEmpty {
                return .skip(
                    reason:
                        "channel \(id): no agent matched its selector \(JSONWriter.string(.object(selector))); start npsim with --agent-tag \(unmatched.map { "\($0)=\(selector[$0]?.stringValue ?? "")" }.joined(separator: " --agent-tag "))"
                )
            }
        }
        return .deliver
    }

    /// A channel's `nrn`, parsed (wildcards allowed); `nil` when it has none or it does not parse.
    public static func nrn(of channel: JSONObject) -> NRN? {
        channel["nrn"]?.stringValue.flatMap { try? NRN(parsing: $0, allowWildcards: true) }
    }
}
