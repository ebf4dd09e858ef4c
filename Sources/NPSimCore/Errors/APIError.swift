/// An error a client caused or can act on, rendered as nullplatform's `{"code": ..., "message": ...}` body.
///
/// Every failure the domain or the store reports to a client is one of these; the HTTP layer maps it to a
/// response in one place, so no error reaches a client as a bare 500.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status code.
    public let status: Int
    /// A stable, machine-readable code (`validation_error`, `not_found`, ...).
    public let code: String
    /// What went wrong and, where it helps, what to do next.
    public let message: String

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status) \(code): \(message)" }

    public static func badRequest(_ message: String) -> APIError {
        APIError(status: 400, code: "bad_request", message: message)
    }

    public static func validation(_ message: String) -> APIError {
        APIError(status: 400, code: "validation_error", message: message)
    }

    public static func malformedJSON(_ message: String) -> APIError {
        APIError(status: 400, code: "malformed_json", message: message)
    }

    public static func unauthorized(_ message: String) -> APIError {
        APIError(status: 401, code: "unauthorized", message: message)
    }

    public static func forbidden(_ message: String) -> APIError {
        APIError(status: 403, code: "forbidden", message: message)
    }

    public static func notFound(_ kind: String, _ id: String) -> APIError {
        APIError(status: 404, code: "not_found", message: "\(kind) '\(id)' does not exist")
    }

    public static func conflict(_ message: String) -> APIError {
        APIError(status: 409, code: "conflict", message: message)
    }

    public static func payloadTooLarge(limit: Int) -> APIError {
        APIError(status: 413, code: "payload_too_large", message: "request body exceeds the limit of \(limit) bytes")
    }

    /// The server could not do what it should have; the message names the cause (disk full, read-only database).
    public static func unavailable(_ message: String) -> APIError {
        APIError(status: 503, code: "service_unavailable", message: message)
    }

    /// The error's JSON body.
    public var json: JSONValue {
        ["code": .string(code), "message": .string(message)]
    }
}
