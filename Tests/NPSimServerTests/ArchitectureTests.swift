import Foundation
import Testing

/// `docs/architecture.md` states the module graph; `Package.swift` is the module graph. They stay equal, and only
/// the store speaks SQL.
@Suite struct ArchitectureTests {
    static let root = Fixtures.repositoryRoot

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// Each library and executable target of `Package.swift` with the package's own modules it depends on.
    static func packageGraph() throws -> [String: Set<String>] {
        let manifest = try text("Package.swift")
        let target = try Regex(#"\.(?:target|executableTarget)\(\s*name: "(\w+)",\s*dependencies: \[(.*?)\]\s*,\s*(?:exclude|swiftSettings)"#)
            .dotMatchesNewlines()
        let product = try Regex(#"\.product\([^)]*\)"#)
        let name = try Regex(#""(\w+)""#)
        var graph: [String: Set<String>] = [:]
        for match in manifest.matches(of: target) {
            guard let module = match.output[1].substring, let dependencies = match.output[2].substring else { continue }
            let own = String(dependencies).replacing(product, with: "")
            graph[String(module)] = Set(own.matches(of: name).compactMap { $0.output[1].substring.map(String.init) })
        }
        return graph
    }

    /// The `| module | uses |` table of docs/architecture.md.
    static func documentedGraph() throws -> [String: Set<String>] {
        var graph: [String: Set<String>] = [:]
        for line in try text("docs/architecture.md").split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3, !cells[1].isEmpty, cells[1] != "module", !cells[1].hasPrefix("-") else { continue }
            graph[cells[1]] = Set(cells[2].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        return graph
    }

    @Test func theDocumentedModuleGraphIsThePackages() throws {
        let package = try Self.packageGraph()
        #expect(package.count == 8, "the manifest's targets were not all read: \(package.keys.sorted())")
        #expect(try Self.documentedGraph() == package)
    }

    @Test func onlyTheStoreImportsGRDB() throws {
        let sources = Self.root.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        let importers = try files.filter { $0.pathExtension == "swift" }.filter { file in
            try String(contentsOf: file, encoding: .utf8).split(separator: "\n").contains { $0.hasPrefix("import GRDB") }
        }
        let outside = importers.map { $0.path.replacingOccurrences(of: sources.path + "/", with: "") }.filter { !$0.hasPrefix("NPSimStore/") }
        #expect(importers.count > 10, "the sources were not found under \(sources.path)")
        #expect(outside.isEmpty)
    }
}
