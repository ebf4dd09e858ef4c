import Foundation
import NPSimCore

/// Reads fixture files (`*.json`, `*.yaml`, `*.yml`) into JSON documents, in file-name order.
public enum FixtureLoader {
    public struct Fixture: Sendable {
        public let file: String
        public let document: JSONValue
    }

    public static func load(directory: String) throws -> [Fixture] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw APIError.badRequest("fixture directory '\(directory)' does not exist")
        }
        let files =
            isDirectory.boolValue
            ? try FileManager.default.contentsOfDirectory(atPath: directory).sorted().map { "\(directory)/\($0)" }
            : [directory]
        return try files.filter { ["json", "yaml", "yml"].contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }.map { file in
            Fixture(file: file, document: try DocumentFile.parse(file: file))
        }
    }
}
