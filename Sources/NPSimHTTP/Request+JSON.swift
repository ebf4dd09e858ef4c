import Hummingbird
import NIOCore
import NPSimCore

extension Request {
    /// The largest body npsim accepts; bigger ones are refused with 413 before they are read in full.
    public static let maximumBodySize = 1 << 20

    /// Reads and parses the body. An empty body reads as `{}` so that bodiless POSTs (resend) work; any other body
    /// must say it is JSON: a browser sends `text/plain`, form and multipart bodies cross-site without asking, so
    /// accepting them would let any web page drive npsim.
    public func jsonBody() async throws -> JSONValue {
        let buffer = try await collectBody()
        if buffer.readableBytes == 0 { return [:] }
        let contentType = headers[.contentType]
        guard let contentType, Self.isJSON(contentType) else { throw APIError.unsupportedMediaType(contentType) }
        do {
            return try JSONParser.parse(buffer.readableBytesView)
        } catch {
            throw APIError.malformedJSON("the request body is not valid JSON: \(error.description)")
        }
    }

    /// The whole body, at most ``maximumBodySize`` bytes (413 beyond).
    public func collectBody() async throws -> ByteBuffer {
        do {
            return try await body.collect(upTo: Self.maximumBodySize)
        } catch is NIOTooManyBytesError {
            throw APIError.payloadTooLarge(limit: Self.maximumBodySize)
        }
    }

    /// `application/json`, or any `+json` type (`application/merge-patch+json`), with or without parameters.
    public static func isJSON(_ contentType: String) -> Bool {
        if contentType == "application/json" || contentType == "application/json; charset=utf-8" { return true }
        let type = contentType.prefix { $0 != ";" }.filter { $0 != " " && $0 != "\t" }.lowercased()
        return type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json"))
    }

    /// A query parameter, or `nil` when absent or empty.
    public func query(_ name: String) -> String? {
        guard let value = uri.queryParameters.get(name), !value.isEmpty else { return nil }
        return value
    }

    /// A comma-separated (and/or repeated) query parameter as a list.
    public func queryList(_ name: String) -> [String] {
        uri.queryParameters.getAll(name).flatMap { $0.split(separator: ",").map(String.init) }.filter { !$0.isEmpty }
    }

    /// A boolean query flag: `true`/`1` are true; anything else but absence is a 400.
    public func queryFlag(_ name: String) throws -> Bool {
        guard let value = query(name) else { return false }
        switch value.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw APIError.badRequest("query parameter \(name) must be true or false, got '\(value)'")
        }
    }

    /// Paging parameters: `limit` (1...1000, default 30) and `offset` (>= 0); `per_page` is accepted for `limit`.
    public func paging() throws -> (limit: Int, offset: Int) {
        func integer(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
            guard let text = query(name) else { return value }
            guard let number = Int(text), range.contains(number) else {
                throw APIError.badRequest("query parameter \(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
            }
            return number
        }
        let limit = try integer(query("limit") != nil ? "limit" : "per_page", default: 30, range: 1...1000)
        return (limit, try integer("offset", default: 0, range: 0...Int(Int32.max)))
    }

    /// The `nrn` query filter, wildcards allowed.
    public func nrnFilter() throws -> NRN? {
        guard let text = query("nrn") else { return nil }
        return try NRN(parsing: text, allowWildcards: true)
    }
}

extension RequestContext {
    /// A path parameter the router guarantees is present.
    public func pathParameter(_ name: String) throws -> String {
        guard let value = parameters.get(name) else { throw APIError.badRequest("missing path parameter \(name)") }
        return value
    }
}
