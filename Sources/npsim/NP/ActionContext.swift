import Foundation
import NPSimCore

/// The notification a runner was started for, read as nullplatform's CLI reads it: from `--notification` or from
/// `NP_ACTION_CONTEXT` (the envelope an agent channel passes, possibly still wrapped in the single quotes of
/// `"'${NOTIFICATION_CONTEXT}'"`). Commands take the action's, service's and link's ids from it.
struct ActionContext {
    let notification: JSONObject

    static func load(_ arguments: NPArguments, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ActionContext {
        guard let raw = arguments.flags["notification"] ?? environment["NP_ACTION_CONTEXT"], !raw.isEmpty else {
            throw NPFailure.usage("no action context: set NP_ACTION_CONTEXT (agent channels pass it) or pass --notification '<json>'")
        }
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("'") { text.removeFirst() }
        if text.hasSuffix("'") { text.removeLast() }
        guard case .object(let object) = try? JSONParser.parse(text) else {
            throw NPFailure.usage("the action context is not a JSON object (NP_ACTION_CONTEXT or --notification)")
        }
        if case .object(let notification)? = object["notification"] { return ActionContext(notification: notification) }
        return ActionContext(notification: object)
    }

    var isLink: Bool { notification["link"].map { $0 != .null } ?? false }
    var actionId: String? { notification["id"]?.stringValue }
    var serviceId: String? { notification["service"]?["id"]?.stringValue }
    var linkId: String? { notification["link"]?["id"]?.stringValue }

    /// `/service/{id}/action/{id}` or `/link/{id}/action/{id}`: where the action this context is about lives.
    func actionPath() throws -> String {
        guard let actionId else { throw NPFailure.usage("the action context has no notification id (the action's id)") }
        if isLink {
            guard let linkId else { throw NPFailure.usage("the action context has a link without an id") }
            return "/link/\(linkId)/action/\(actionId)"
        }
        guard let serviceId else { throw NPFailure.usage("the action context has no service id") }
        return "/service/\(serviceId)/action/\(actionId)"
    }

    /// The notification as `PREFIX_PATH_TO_FIELD=value` variables (`ACTION_PARAMETERS_SIZE`,
    /// `ACTION_SERVICE_ATTRIBUTES_K_8_S_SECRET_NAME`): objects are walked, other values written as text (arrays as
    /// JSON), names upper-cased with `_` between words and between letters and digits.
    func variables(prefix: String) -> [(name: String, value: String)] {
        var result: [(String, String)] = []
        func walk(_ value: JSONValue, _ name: String) {
            switch value {
            case .object(let object): for (key, nested) in object { walk(nested, name + "_" + Self.variableName(key)) }
            case .string(let text): result.append((name, text))
            case .null: result.append((name, ""))
            case .array: result.append((name, JSONWriter.string(value)))
            default: result.append((name, value.displayText ?? JSONWriter.string(value)))
            }
        }
        walk(.object(notification), Self.variableName(prefix))
        return result
    }

    static func variableName(_ key: String) -> String {
        var name = ""
        var previous: Character?
        for character in key {
            let separate: Bool
            if let previous {
                separate =
                    (previous.isLetter && character.isNumber) || (previous.isNumber && character.isLetter)
                    || (previous.isLowercase && character.isUppercase)
            } else {
                separate = false
            }
            if !(character.isLetter || character.isNumber) {
                if !name.hasSuffix("_") { name.append("_") }
            } else {
                if separate, !name.hasSuffix("_") { name.append("_") }
                name.append(contentsOf: character.uppercased())
            }
            previous = character
        }
        return name
    }
}
