import NPSimCore

extension AzurePipeline {
    /// Pipeline variables, named case-insensitively as on Azure: expanded in `$(name)` macros, and in the
    /// environment unless secret.
    struct Variables {
        private var values: [String: (name: String, value: String, secret: Bool)] = [:]

        mutating func set(_ name: String, _ value: String, secret: Bool = false) {
            values[name.lowercased()] = (name, value, secret)
        }

        /// A `variables:` block: a mapping, or a list of `{name, value}`; groups and templates are refused.
        mutating func read(_ block: JSONValue?) throws(UnsupportedByLocalRun) {
            switch block {
            case .object(let object)?:
                for (name, value) in object { set(name, value.stringValue ?? JSONWriter.string(value)) }
            case .array(let items)?:
                for item in items {
                    if let group = item["group"]?.stringValue {
                        throw UnsupportedByLocalRun(message: "the variable group '\(group)' lives in Azure DevOps; define its variables in the file")
                    }
                    if item["template"] != nil { throw UnsupportedByLocalRun(message: "variable templates are not supported locally") }
                    if let name = item["name"]?.stringValue { set(name, item["value"].map { $0.stringValue ?? JSONWriter.string($0) } ?? "") }
                }
            default: break
            }
        }

        /// Two `variables:` blocks as one list, the second winning.
        static func merged(_ first: JSONValue?, _ second: JSONValue) -> JSONValue {
            func list(_ block: JSONValue?) -> [JSONValue] {
                if case .object(let object)? = block { return object.map { ["name": .string($0.key), "value": $0.value] } }
                return block?.arrayValue ?? []
            }
            return .array(list(first) + list(second))
        }

        /// Environment variables: the non-secret ones, upper-cased with `.` as `_`.
        var environment: [String: String] {
            var result: [String: String] = [:]
            for (_, variable) in values where !variable.secret {
                result[variable.name.uppercased().replacingOccurrences(of: ".", with: "_")] = variable.value
            }
            return result
        }

        /// `$(name)` replaced by the variable's value; unknown names stay as written, as on Azure.
        func expandMacros(in text: String) -> String {
            var result = ""
            var rest = Substring(text)
            while let open = rest.range(of: "$(") {
                guard let close = rest[open.upperBound...].firstIndex(of: ")") else { break }
                let name = rest[open.upperBound..<close]
                result += rest[..<open.lowerBound]
                if let variable = values[name.lowercased()], name.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) {
                    result += variable.value
                } else {
                    result += rest[open.lowerBound...close]
                }
                rest = rest[rest.index(after: close)...]
            }
            return result + rest
        }
    }
}
