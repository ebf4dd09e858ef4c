import Foundation
import NPSimCore
import Testing

@Suite struct OpenAPITests {
    static func document(_ api: APIClient) async throws -> JSONObject {
        try #require(try await api.expect(200, .get, "/_npsim/openapi.json").objectValue)
    }

    @Test func everyDescribedRouteExistsAndTheDocumentDescribesItself() async throws {
        try await withServer { api in
            let document = try await Self.document(api)
            let paths = try #require(document["paths"]?.objectValue)
            #expect(paths.count > 40)
            #expect(paths["/_npsim/openapi.json"]?["get"] != nil)
            #expect(paths["/service/{id}/action/{child}"]?["patch"]?["security"] == [["bearer": []]])
            #expect(paths["/_npsim/health"]?["get"]?["security"] == nil)
            // Asked first: the loop below deletes API key 1, the test's own, whose token then stops working.
            let undescribed = try await api.call(.get, "/not/a/route")
            #expect(undescribed.json["message"]?.stringValue?.hasPrefix("no route for") == true)
            for (path, item) in paths {
                for (method, operation) in item.objectValue ?? JSONObject() {
                    #expect(operation["summary"]?.stringValue?.isEmpty == false, "\(method) \(path) has no summary")
                    let concrete = path.replacingOccurrences(of: #"\{[^}]+\}"#, with: "1", options: .regularExpression)
                    let reply = try await api.call(.init(method.uppercased())!, concrete, method == "get" || method == "delete" ? nil : [:])
                    let noRoute = reply.status == 404 && reply.json["message"]?.stringValue?.hasPrefix("no route for") == true
                    #expect(!noRoute, "\(method.uppercased()) \(path) is described but not served")
                    #expect(reply.status < 500, "\(method.uppercased()) \(concrete) answered \(reply.status)")
                }
            }
        }
    }

    @Test func theDocumentIsValidOpenAPI31() async throws {
        try await withServer { api in
            let document = try await Self.document(api)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-openapi-\(UUID().uuidString).json")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(JSONWriter.bytes(.object(document))).write(to: file)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-m", "openapi_spec_validator", file.path]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            try await exited(process)
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            if text.contains("No module named") {
                Issue.record("openapi-spec-validator is missing: pip install openapi-spec-validator (./scripts/setup does)")
            }
            #expect(process.terminationStatus == 0, "\(text)")
            #expect(text.contains("OK"))
        }
    }
}
