import Hummingbird
import NPSimCore
import NPSimHTTP

/// `GET /_npsim/openapi.json`: the OpenAPI 3.1 description of every route, built from the routes themselves.
struct OpenAPIController {
    static let path = "/_npsim/openapi.json"
    static let summary = "This OpenAPI document"

    /// Registers the document route; the document describes every route registered so far and itself. It is
    /// built when asked for, which is rare, rather than on every start (a tenth of the time to the first request).
    func register(on routes: Routes, version: String) {
        let entries = routes.entries + [Routes.Entry(method: "get", path: Self.path, summary: Self.summary)]
        routes.get(Self.path, Self.summary) { _, _ in JSONResponse.make(OpenAPIDocument.build(from: entries, version: version)) }
    }
}
