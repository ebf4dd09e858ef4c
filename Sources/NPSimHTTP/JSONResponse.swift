import Hummingbird
import NPSimCore

/// Builds responses from ``JSONValue`` with the exact bytes ``JSONWriter`` produces.
public enum JSONResponse {
    public static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(value)))
        )
    }

    @_disfavoredOverload
    public static func make(_ object: JSONObject, status: HTTPResponse.Status = .ok) -> Response {
        make(.object(object), status: status)
    }

    /// A list answer as nullplatform shapes it, `{"paging": {...}, "results": [...]}`, for one page of `items`.
    public static func page(_ items: [JSONValue], limit: Int, offset: Int) -> Response {
        make([
            "paging": ["offset": .int(offset), "limit": .int(limit), "total": .int(items.count)],
            "results": .array(Array(items.dropFirst(offset).prefix(limit))),
        ])
    }
}
