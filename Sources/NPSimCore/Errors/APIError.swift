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

    /// A JSON endpoint was sent a body of another media type (which a browser's cross-site "simple" request would be).
    public static func unsupportedMediaType(_ contentType: String?) -> APIError {
        APIError(
            status: 415,
            code: "unsupported_media_type",
            message: "this endpoint takes a JSON body; send it with 'Content-Type: application/json'"
                + (contentType.map { ", not '\($0)'" } ?? " (the request had no Content-Type)")
        )
    }

    /// The request named a host npsim does not answer to (a DNS-rebinding page, or a missing `--host-name`).
    public static func misdirected(_ host: String) -> APIError {
        APIError(
            status: 421,
            code: "misdirected_request",
            message:
                "npsim does not answer to the host '\(host)': it answers to its IP addresses, localhost and the names given with --host-name; start it with --host-name \(host) if this name is yours"
        )
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
