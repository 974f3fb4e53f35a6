import Foundation
import Testing
import VigilCore
import VigilTestKit

@testable import VigilEngine

/// Rule test files as promtool reads its own.
struct RuleTestFileTests {
    let directory = try! TemporaryDirectory("rule-tests")

    func load(_ yaml: String) throws -> RuleTestFile {
        let file = directory.file("pack_test.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return try RuleTestFile.load(file.path)
    }

    /// `evaluation_interval` is each test's default interval (promtool's `unittest.go`); a test's own
    /// `interval` overrides it. It was read and ignored: samples were spaced a minute apart.
    @Test func theEvaluationIntervalIsEachTestsDefault() throws {
        let file = try load(
            """
            evaluation_interval: 30s
            tests:
              - name: default
                input_series: [{series: 'queue_depth{pod="a"}', values: '1 2 stale 4'}]
              - name: own
                interval: 10s
                input_series: [{series: 'queue_depth{pod="a"}', values: '1 2'}]

            """
        )
        #expect(file.cases.map(\.interval) == [30, 10])
        let series = try #require(file.cases.first?.history.series.first)
        #expect(series.times == [0, 30, 60, 90])
        #expect(StalenessMarker.isMarker(series.values[2]), "stale is on record, as a marker")
        #expect(file.cases.last?.history.series.first?.times == [0, 10])
        let plain = try load("tests:\n  - name: t\n    input_series: [{series: 'x', values: '1 2'}]\n")
        #expect(plain.cases.first?.history.series.first?.times == [0, 60])
    }
}
