import Foundation
import NPSimCore
import NPSimStore

/// Changes an action as a runner's PATCH would: the kind (service or link) and id of its parent, its id, the body.
public typealias ActionReporter = @Sendable (_ parentKind: EntityKind, _ parentId: String, _ actionId: String, _ body: JSONValue) async throws -> Void

/// The `agent` channel: runs the channel's command as nullplatform's agent does. `${NOTIFICATION_CONTEXT}` in
/// the command's environment becomes the envelope (real channels set `NP_ACTION_CONTEXT` this way), and
/// `NP_API_KEY` and `NP_API_URL` let the runner report back to npsim.
///
/// As on the platform, handing the notification to the command counts as delivered whatever the command's exit
/// code; the exit code, duration and the last 64 KiB of its output are the delivery's `result`. A command that
/// outlives the timeout, or is still running when npsim shuts down, is stopped (SIGTERM to its process group, then
/// SIGKILL after the kill grace) and the delivery fails, without a retry: running a provisioning script again on
/// its own is not safe.
///
/// A `package-exec` command is a package's worker, which answers with one JSON document on standard output: as
/// nullplatform's agent relays it, that document becomes the action's `results` and the action succeeds, unless it
/// is `{"error": ...}`, the output is not JSON, or the command failed; then the action fails, saying why.
struct AgentTarget: DeliveryTarget {
    static let outputTail = 64 * 1024

    let settings: AgentSettings
    let apiURL: @Sendable () async -> String
    let reportOnAction: ActionReporter

    func attempt(_ delivery: ClaimedDelivery) async -> TargetOutcome {
        let configuration = delivery.channel?["configuration"]?.objectValue ?? JSONObject()
        let data = configuration["command"]?["data"]
        let cmdline = data?["cmdline"]?.stringValue ?? ""
        let context = String(decoding: delivery.body, as: UTF8.self)
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in Self.decodedObject(data?["environment"]) {
            environment[name] = (value.stringValue ?? JSONWriter.string(value)).replacingOccurrences(of: "${NOTIFICATION_CONTEXT}", with: context)
        }
        environment["NP_API_KEY"] = configuration["api_key"]?.stringValue ?? settings.fallbackAPIKey ?? ""
        environment["NP_API_URL"] = await apiURL()
        let arguments = Self.decodedArray(data?["arguments"]).map { $0.stringValue ?? JSONWriter.string($0) }
        let request: JSONValue = [
            "type": "exec", "cmdline": .string(cmdline), "arguments": .array(arguments.map(JSONValue.string)),
            "environment": .array(Self.decodedObject(data?["environment"]).keys.map(JSONValue.string) + ["NP_API_KEY", "NP_API_URL"]),
        ]
        do {
            let outcome = try await ChildProcess.run(
                cmdline: cmdline,
                arguments: arguments,
                environment: environment,
                timeout: settings.timeout,
                killGrace: settings.killGrace,
                tailLimit: Self.outputTail
            )
            let milliseconds = outcome.duration.milliseconds
            let result: JSONValue = [
                "exit_code": .int(Int(outcome.exitCode)), "timed_out": .bool(outcome.timedOut),
                "duration_ms": .double((milliseconds * 10).rounded() / 10),
                "stdout": .string(String(decoding: outcome.stdout, as: UTF8.self)),
                "stderr": .string(String(decoding: outcome.stderr, as: UTF8.self)),
            ]
            var exchange = AttemptExchange(request: request, requestBody: delivery.body, responseBody: outcome.stdout, result: result)
            if outcome.timedOut {
                exchange.error = "the command ran longer than \(settings.timeout) (--agent-timeout) and was stopped"
                return TargetOutcome(
                    verdict: .permanent(note: "stopped after the agent timeout; a provisioning command is not re-run on its own"),
                    exchange: exchange
                )
            }
            if outcome.interrupted {
                exchange.error = "npsim stopped while the command ran, and stopped the command; retry the delivery to run it again"
                return TargetOutcome(
                    verdict: .permanent(note: "stopped when npsim shut down; a provisioning command is not re-run on its own"),
                    exchange: exchange
                )
            }
            if outcome.exitCode != 0 { exchange.error = "the command exited with \(outcome.exitCode)" }
            if configuration["command"]?["type"]?.stringValue == "package-exec" {
                if let problem = await relayReply(outcome, of: delivery) { exchange.error = problem }
            }
            return TargetOutcome(verdict: .delivered, exchange: exchange)
        } catch {
            return TargetOutcome(
                verdict: .permanent(note: "the command could not be started"),
                exchange: AttemptExchange(
                    request: request,
                    requestBody: delivery.body,
                    error: "cannot start '\(cmdline)': \(error)"
                )
            )
        }
    }

    /// Hands a package worker's reply to the action the notification is about; returns what went wrong, if anything.
    private func relayReply(_ outcome: ChildProcess.Outcome, of delivery: ClaimedDelivery) async -> String? {
        let notification = (try? JSONParser.parse(delivery.body))?["notification"]
        guard let actionId = notification?["id"]?.stringValue else { return "the notification names no action to report the reply to" }
        let link = notification?["link"]?["id"]?.stringValue
        guard let parentId = link ?? notification?["service"]?["id"]?.stringValue else { return "the notification names no service" }
        let parentKind: EntityKind = link == nil ? .service : .link
        let reply = try? JSONParser.parse(outcome.stdout)
        let body: JSONValue
        if outcome.exitCode != 0 {
            body = Self.failure("the package's worker exited with \(outcome.exitCode)")
        } else if case .object(let object)? = reply, let error = object["error"] {
            body = Self.failure(error["message"]?.stringValue ?? JSONWriter.string(error))
        } else if case .object(let object)? = reply {
            body = ["status": "success", "results": .object(object)]
        } else {
            body = Self.failure("the package's worker printed no JSON object on standard output")
        }
        do {
            try await reportOnAction(parentKind, parentId, actionId, body)
        } catch {
            // The reply may not fit the action's results schema: the action still ends, failed, with the reason.
            try? await reportOnAction(parentKind, parentId, actionId, Self.failure("the package's reply was refused: \(error)"))
            return "the package's reply was refused: \(error)"
        }
        return nil
    }

    private static func failure(_ message: String) -> JSONValue {
        ["status": "failed", "messages": [["level": "error", "message": .string(message)]]]
    }

    /// Terraform stores `environment` and `arguments` as JSON strings; the API holds them as JSON. Accept both.
    static func decodedObject(_ value: JSONValue?) -> JSONObject {
        if case .object(let object)? = value { return object }
        if let text = value?.stringValue, case .object(let object)? = try? JSONParser.parse(text) { return object }
        return JSONObject()
    }

    static func decodedArray(_ value: JSONValue?) -> [JSONValue] {
        if case .array(let items)? = value { return items }
        if let text = value?.stringValue, case .array(let items)? = try? JSONParser.parse(text) { return items }
        return []
    }
}
