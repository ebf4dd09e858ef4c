/// How one field of an entity is accepted from a request body.
public struct FieldRule: Sendable {
    public enum FieldType: Sendable {
        case string
        case bool
        case integer
        case object
        case array
        /// An array whose items are all strings.
        case stringArray
        /// A concrete NRN (digits only).
        case nrn
        /// A list of NRN patterns (`*` allowed).
        case nrnPatterns
        case oneOf([String])
        /// An integer, or a string of digits (nullplatform sends `pipeline_id` and ids both ways).
        case integerOrString
        /// An object, or a boolean (`external`: the Terraform provider sends and decodes an object; other clients a flag).
        case objectOrBool
        case any
    }

    /// When a client may write the field.
    public enum Access: Sendable {
        /// Set by the server; ignored when a client echoes it back.
        case serverOnly
        /// Settable on create only; a `PATCH` that changes it is refused.
        case createOnly
        case mutable
    }

    public let name: String
    public let type: FieldType
    public let required: Bool
    public let access: Access
    public let nullable: Bool
    public let defaultValue: JSONValue?

    public init(
        _ name: String,
        _ type: FieldType,
        required: Bool = false,
        access: Access = .mutable,
        nullable: Bool = false,
        default defaultValue: JSONValue? = nil
    ) {
        self.name = name
        self.type = type
        self.required = required
        self.access = access
        self.nullable = nullable
        self.defaultValue = defaultValue
    }

    /// Checks one value and names the field when it is wrong.
    func check(_ value: JSONValue, entity: String) throws(APIError) {
        if value == .null, nullable || !required { return }
        func wrongType(_ expected: String) -> APIError {
            .validation("\(entity).\(name) must be \(expected), got \(value.typeName)")
        }
        switch type {
        case .string: guard value.stringValue != nil else { throw wrongType("a string") }
        case .bool: guard value.boolValue != nil else { throw wrongType("a boolean") }
        case .integer: guard case .int = value else { throw wrongType("an integer") }
        case .object: guard value.objectValue != nil else { throw wrongType("an object") }
        case .array: guard value.arrayValue != nil else { throw wrongType("an array") }
        case .any: break
        case .objectOrBool: guard value.objectValue != nil || value.boolValue != nil else { throw wrongType("an object or a boolean") }
        case .stringArray:
            guard let items = value.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
                throw wrongType("an array of strings")
            }
        case .nrn:
            guard let text = value.stringValue else { throw wrongType("an NRN string") }
            _ = try NRN(parsing: text)
        case .nrnPatterns:
            guard let items = value.arrayValue else { throw wrongType("an array of NRNs") }
            for item in items {
                guard let text = item.stringValue else { throw wrongType("an array of NRN strings") }
                _ = try NRN(parsing: text, allowWildcards: true)
            }
        case .oneOf(let options):
            guard let text = value.stringValue, options.contains(text) else {
                throw .validation("\(entity).\(name) must be one of \(options.joined(separator: ", ")), got \(JSONWriter.string(value))")
            }
        case .integerOrString:
            switch value {
            case .int: break
            case .string(let s) where !s.isEmpty: break
            default: throw wrongType("an integer or a string")
            }
        }
    }
}
