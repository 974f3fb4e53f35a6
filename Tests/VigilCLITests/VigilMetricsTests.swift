import Foundation
import Testing

@testable import VigilCLI

/// Vigil's own metrics carry their `# HELP` lines (`promtool check metrics` said "no help text" for each).
struct VigilMetricsTests {
    /// Every metric the code makes has its help in the catalogue, and the catalogue names no metric the
    /// code no longer makes: a new metric without one would be written without its HELP line, which the
    /// daemon test's promtool lint sees only when that metric happens to appear.
    @Test func everyMetricTheCodeMakesHasItsHelp() throws {
        let sources = repositoryRoot.appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(atPath: sources.path)).compactMap { $0 as? String }
        let made = try Set(
            files.filter { $0.hasSuffix(".swift") }.flatMap { file in
                try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
                    .matches(of: /(?:label: |increment\()"(vigil_[a-z0-9_]+)"/).map { String($0.output.1) }
            }
        )
        #expect(made.count > 30, "\(made)")
        #expect(made.subtracting(VigilMetrics.help.keys).sorted() == [])
        #expect(Set(VigilMetrics.help.keys).subtracting(made).sorted() == [])
        #expect(VigilMetrics.help.values.allSatisfy { !$0.isEmpty && !$0.contains("\n") })
    }
}
