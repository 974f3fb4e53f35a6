import Foundation
import Testing

/// The MCP tools cannot change a cluster because their target cannot reach anything that does: it
/// declares no dependency on VigilEngine (the remediator, the executor) nor VigilKube (the client that
/// sends changes), and CI's `--explicit-target-dependency-import-check error` refuses an import of an
/// undeclared target. These checks keep it so: a change to either list fails here first.
@Suite struct ReadOnlyConstructionTests {
    /// Targets whose code can change a cluster, directly or through one that can.
    static let acting = ["VigilEngine", "VigilKube", "VigilServer", "VigilCLI", "VigilHistory", "VigilScrape"]

    @Test func theAssistTargetDependsOnNothingThatActs() throws {
        let manifest = try String(contentsOf: repositoryRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        let start = try #require(manifest.range(of: "name: \"VigilAssist\","))
        let rest = manifest[start.upperBound...]
        let open = try #require(rest.range(of: "dependencies: ["))
        let close = try #require(rest[open.upperBound...].firstIndex(of: "]"))
        let declared = rest[open.upperBound..<close].matches(of: /"([A-Za-z-]+)"/).map { String($0.1) }
        #expect(Set(declared) == ["VigilHTTP", "MCP", "swift-sdk"], "VigilAssist now depends on \(declared)")
    }

    @Test func theAssistSourcesImportNothingThatActs() throws {
        let directory = repositoryRoot.appendingPathComponent("Sources/VigilAssist")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.hasSuffix(".swift")
        }
        #expect(files.count >= 5)
        for file in files {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("import ") || line.contains(" import ") {
                let module = line.split(separator: " ").last.map(String.init) ?? ""
                #expect(["Foundation", "MCP", "VigilHTTP"].contains(module), "\(file): \(line)")
                #expect(!Self.acting.contains(module), "\(file) imports \(module)")
            }
        }
    }
}
