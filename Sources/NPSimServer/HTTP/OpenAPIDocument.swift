import HTTPTypes
import NPSimCore
import NPSimHTTP

/// Builds the OpenAPI 3.1 document of npsim's routes: every path and method with its summary, path parameters,
/// a JSON body where one is taken, the bearer requirement on nullplatform's routes, and the shared error body.
enum OpenAPIDocument {
    static func build(from entries: [Routes.Entry], version: String) -> JSONValue {
        var paths = JSONObject()
        for entry in entries {
            var item = paths[entry.openAPIPath]?.objectValue ?? JSONObject()
            item[entry.method] = .object(operation(entry))
            paths[entry.openAPIPath] = .object(item)
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "npsim", "version": .string(version),
                "description":
                    "A local emulator of nullplatform's service orchestrator: nullplatform's API, npsim's own /_npsim routes and the provider stand-ins.",
            ],
            "servers": [["url": "http://127.0.0.1:4466"]],
            "paths": .object(paths),
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"]],
                "schemas": [
                    "Error": [
                        "type": "object", "required": ["code", "message"],
                        "properties": ["code": ["type": "string"], "message": ["type": "string"]],
                    ]
                ],
            ],
        ]
    }

    private static func operation(_ entry: Routes.Entry) -> JSONObject {
        let segments = entry.path.split(separator: "/")
        var operation: JSONObject = [
            "summary": .string(entry.summary),
            "operationId": .string(entry.method + entry.openAPIPath.map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()),
            "tags": [.string(segments.first.map(String.init) ?? "root")],
        ]
        let parameters = segments.filter { $0.hasPrefix(":") }.map { segment -> JSONValue in
            ["name": .string(String(segment.dropFirst())), "in": "path", "required": true, "schema": ["type": "string"]]
        }
        if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
        let isDashboard = entry.path == "/" || entry.path.hasPrefix("/ui/")
        if isDashboard, entry.method == "post" {
            operation["requestBody"] = ["required": false, "content": ["application/x-www-form-urlencoded": ["schema": ["type": "object"]]]]
        } else if entry.method == "post" || entry.method == "patch" {
            operation["requestBody"] = ["required": false, "content": ["application/json": ["schema": ["type": ["object", "array"]]]]]
        }
        let mediaType = entry.path == "/metrics" ? "text/plain" : isDashboard ? "text/html" : "application/json"
        operation["responses"] = [
            "200": ["description": "Success", "content": [mediaType: ["schema": [:]]]],
            "default": ["description": "An error", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]],
        ]
        if !AuthMiddleware.isOpen(HTTPRequest.Method(entry.method.uppercased()) ?? .get, entry.path) { operation["security"] = [["bearer": []]] }
        return operation
    }
}
