import Foundation
import NPSimCore
import NPSimServer

/// Runs scenarios against a running npsim, each isolated: faults cleared, then a reset that applies the server's
/// fixtures again. A step that fails ends its scenario, with what npsim observed.
struct ScenarioRunner {
    let api: NPSimClient

    /// What became of one scenario.
    struct Outcome: Sendable {
        let name: String
        let seconds: Double
        /// `nil` when it passed.
        let failure: String?
    }

    func run(_ scenario: Scenario, progress: (String) -> Void) async -> Outcome {
        let started = ContinuousClock.now
        var state = State(directory: scenario.directory)
        do {
            try await api.call("DELETE", "/_npsim/faults")
            try await api.call("POST", "/_npsim/reset", ["keep_fixtures": true])
            for step in scenario.steps {
                do {
                    let summary = try await perform(step, state: &state)
                    progress("  ✓ \(step.number) \(step.kind)\(summary.isEmpty ? "" : ": \(summary)")")
                } catch {
                    let message = "step \(step.number) (\(step.kind)): \(error)"
                    progress("  ✗ \(message)")
                    return Outcome(name: scenario.name, seconds: Self.seconds(since: started), failure: message)
                }
            }
        } catch {
            return Outcome(name: scenario.name, seconds: Self.seconds(since: started), failure: "isolating the scenario: \(error)")
        }
        return Outcome(name: scenario.name, seconds: Self.seconds(since: started), failure: nil)
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start).seconds
    }

    /// The ids steps bound with `as`, and where each bound action lives (for `report`).
    struct State {
        let directory: String
        var bindings: [String: String] = [:]
        var actionPaths: [String: String] = [:]

        /// `value` with every `$NAME` and `${NAME}` in its strings replaced by the bound id; `$$` is a `$` (for
        /// text npsim or a runner substitutes later, such as an agent command's `$${NOTIFICATION_CONTEXT}`).
        func resolve(_ value: JSONValue) throws -> JSONValue {
            switch value {
            case .string(let text):
                return .string(try substitute(text))
            case .array(let items):
                return .array(try items.map(resolve))
            case .object(let object):
                return .object(JSONObject(try object.map { ($0.key, try resolve($0.value)) }))
            default:
                return value
            }
        }

        /// Left to right, so that what a name stands for is never read again.
        private func substitute(_ text: String) throws -> String {
            if text.hasPrefix("$"), !text.hasPrefix("${"),
                !text.dropFirst().contains(where: { !$0.isLetter && !$0.isNumber && $0 != "_" && $0 != "-" })
            {
                return try bound(String(text.dropFirst()))
            }
            var result = ""
            var rest = text[...]
            while let dollar = rest.firstIndex(of: "$") {
                result += rest[..<dollar]
                let after = rest[rest.index(after: dollar)...]
                if after.hasPrefix("$") {
                    result += "$"
                    rest = after.dropFirst()
                } else if after.hasPrefix("{"), let close = after.firstIndex(of: "}") {
                    result += try bound(String(after[after.index(after: after.startIndex)..<close]))
                    rest = after[after.index(after: close)...]
                } else {
                    result += "$"
                    rest = after
                }
            }
            return result + rest
        }

        /// A bound id, or with `env:NAME` the environment variable NAME (a runner's URL, say).
        private func bound(_ name: String) throws -> String {
            if name.hasPrefix("env:") {
                let variable = String(name.dropFirst(4))
                guard let value = ProcessInfo.processInfo.environment[variable] else {
                    throw CommandFailure("${env:\(variable)} is not set in npsim test's environment")
                }
                return value
            }
            guard let id = bindings[name] else {
                throw CommandFailure("$\(name) is not bound; an earlier step must create it with 'as: \(name)'")
            }
            return id
        }

        mutating func bind(_ name: String?, to id: String?) {
            if let name, let id { bindings[name] = id }
        }
    }

    /// Carries out one step; returns a few words on what it did.
    private func perform(_ step: Scenario.Step, state: inout State) async throws -> String {
        let body = try state.resolve(step.body)
        switch step.kind {
        case "seed":
            let paths = (body.arrayValue ?? [body]).compactMap(\.stringValue).map { $0.hasPrefix("/") ? $0 : "\(state.directory)/\($0)" }
            let documents = try paths.flatMap { try FixtureLoader.load(directory: $0).map(\.document) }
            let reply = try await api.call("POST", "/_npsim/seed", .array(documents))
            return JSONWriter.string(reply["created"] ?? [:])
        case "channel":
            // A reset keeps channels, so a channel an earlier scenario (or run, or a fixture) created is taken
            // again, as fixtures take theirs: the same nrn, type and description. What else the step gives
            // (configuration, filters) is brought up to date; a step with only those three binds the channel as is.
            let nrn = body["nrn"]?.stringValue ?? ""
            let type = body["type"]?.stringValue ?? ""
            let query = "nrn=\(nrn.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&type=\(type)&limit=1000"
            let existing = try await api.call("GET", "/notification/channel?\(query)")["results"]?.arrayValue?.first { channel in
                channel["nrn"]?.stringValue == nrn && channel["description"] == body["description"]
            }
            let identity: Set<String> = ["nrn", "type", "description"]
            let channel: JSONValue
            if let existing, let id = existing["id"]?.intValue {
                let changes = (body.objectValue ?? JSONObject()).keys.contains { !identity.contains($0) }
                channel = changes ? try await api.call("PATCH", "/notification/channel/\(id)", body) : existing
            } else if (body.objectValue ?? JSONObject()).keys.allSatisfy(identity.contains) {
                throw CommandFailure(
                    "no \(type) channel at \(nrn) is described '\(body["description"]?.stringValue ?? "")' to take; give its configuration to create it"
                )
            } else {
                channel = try await api.call("POST", "/notification/channel", body)
            }
            state.bind(step.binding, to: channel["id"]?.intValue.map(String.init))
            return "channel \(TextTable.cell(channel["id"]))\(existing == nil ? "" : " (existing)")"
        case "service":
            var request = body.objectValue ?? JSONObject()
            if let specification = request["specification"]?.stringValue {
                request["specification_id"] = try await Lookup.specification(specification, api: api)
                request["specification"] = nil
            }
            if let nrn = request["nrn"] {
                request["entity_nrn"] = nrn
                request["nrn"] = nil
            }
            let service = try await api.call("POST", "/service", .object(request))
            state.bind(step.binding, to: service["id"]?.stringValue)
            return "service \(TextTable.cell(service["id"]))"
        case "action":
            guard let entityId = body["on"]?.stringValue, let reference = body["action"]?.stringValue else {
                throw CommandFailure("an action step needs on (a service id, or $NAME) and action (its slug, name or id)")
            }
            let kind = body["link"] == true ? "link" : "service"
            let entity = try await api.call("GET", "/\(kind)/\(entityId)")
            let specification = try await Lookup.actionSpecification(reference, entity: entity, kind: kind, api: api)
            let created = try await api.call(
                "POST",
                "/\(kind)/\(entityId)/action",
                ["specification_id": specification["id"] ?? .null, "parameters": body["parameters"] ?? [:]]
            )
            let id = TextTable.cell(created["id"])
            state.bind(step.binding, to: id)
            state.actionPaths[id] = "/\(kind)/\(entityId)/action/\(id)"
            return "action \(TextTable.cell(created["name"])) \(id)"
        case "report":
            guard case .object(var patch) = body, let id = patch["action"]?.stringValue, let path = state.actionPaths[id] else {
                throw CommandFailure("a report step needs action: an action an earlier step of this scenario started")
            }
            // `expect_status`: the answer the report must get (a test of an injected API fault), not part of it.
            let expected = patch["expect_status"]?.intValue
            patch["action"] = nil
            patch["expect_status"] = nil
            let reply = try await api.send("PATCH", path, .object(patch))
            if let expected {
                guard reply.status == expected else {
                    throw CommandFailure("the report was answered \(reply.status), not \(expected): \(reply.message)")
                }
                return "answered \(reply.status)"
            }
            guard (200..<300).contains(reply.status) else { throw CommandFailure("PATCH \(path) answered \(reply.status): \(reply.message)") }
            return "action \(TextTable.cell(reply.json["status"]))"
        case "fault":
            guard case .object(var plan) = body, let channel = plan["channel"]?.stringValue ?? plan["channel"]?.intValue.map(String.init) else {
                throw CommandFailure("a fault step needs channel (its id, or $NAME)")
            }
            plan["channel"] = nil
            try await api.call("PUT", "/_npsim/faults/channels/\(channel)", .object(plan))
            return "channel \(channel)"
        case "api_fault":
            try await api.call("POST", "/_npsim/faults/api", body)
            return ""
        case "advance":
            let seconds = body.doubleValue ?? body["seconds"]?.doubleValue
            guard let seconds else { throw CommandFailure("advance takes a number of seconds") }
            let clock = try await api.call("POST", "/_npsim/clock/advance", ["seconds": .double(seconds)])
            return "clock at \(TextTable.cell(clock["now"]))"
        default:  // expect
            return TextTable.cell(try await api.expect(body)["expected"])
        }
    }
}
