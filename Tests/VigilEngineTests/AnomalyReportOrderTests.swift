import Testing
import VigilCore

@testable import VigilEngine

/// `GET /api/v1/anomalies` lists anomalies in one order for one state of the store.
struct AnomalyReportOrderTests {
    /// Sixteen series, the same history each and a jump at its end, the second eight five minutes
    /// earlier than the first: the scores tie at the cap, so the older anomalies come first, and each
    /// eight in the order their series were first seen — not in the order of the store's dictionary.
    @Test func anomaliesOfOneScoreAreListedOldestFirstThenBySeries() throws {
        let store = SeriesStore()
        let names = (0..<16).map { "queue_\($0)" }
        let start = 1_700_000_000.0
        for (number, name) in names.enumerated() {
            let ref = store.register(LabelSet([(name: "__name__", value: name)], symbols: store.symbols), role: .gauge)
            let origin = number < 8 ? start : start - 300
            for index in 0..<400 {
                store.observe(ref, value: 100 + [-2, 1, 2, -1][index % 4], at: origin + Double(index) * 300)
            }
            store.observe(ref, value: 10_000, at: origin + 400 * 300)
        }

        let reports = AnomalyReport.reports(in: store)
        try #require(reports.count == names.count)
        #expect(Set(reports.map(\.score)).count == 1, "\(reports.map(\.score))")
        #expect(reports.map { $0.labels["__name__"] ?? "" } == Array(names[8...] + names[..<8]))
    }
}
