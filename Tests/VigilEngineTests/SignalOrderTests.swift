import Testing
import VigilCore
import VigilRules

@testable import VigilEngine

/// A diagnosis lists its signals, and so its anomalies, in one order for one recording: the order of
/// their labels, name by name.
struct SignalOrderTests {
    @Test func signalsAreInTheOrderOfTheirLabelsWhateverEachDictionarysOwnOrder() throws {
        // Twelve pods, each signal's labels a dictionary of two keys, whose key order (and so its
        // `description`) varies from instance to instance.
        let pods = (0..<12).map { "web-\(String($0, radix: 36))\($0 % 3)" }
        var text = "# TYPE queue_depth gauge\n"
        for (index, pod) in pods.shuffled().enumerated() {
            for minute in 0..<3 {
                text += "queue_depth{pod=\"\(pod)\",container=\"app\"} \(index + minute) \(minute * 60)\n"
            }
        }
        text += "# EOF\n"
        let history = try MetricHistory(openMetrics: Array(text.utf8), file: "order.om")
        let rule = SignalRule(name: "queue_depth", selector: try SeriesSelector("queue_depth"))

        let signals = Signal.derive(rule, from: history)
        #expect(signals.map { $0.labels["pod"] ?? "" } == pods.sorted())
        #expect(signals.allSatisfy { $0.labels["container"] == "app" })
    }

    /// A series scraped more often than the grid's step (set by another, slower one listed first) is
    /// one value a step, its last, not the sum of its points there; so is one whose own timestamps
    /// jitter about a half step.
    @Test(arguments: [
        (0..<40).map { Double($0) * 15 },  // every 15 s on a 60-s grid
        (0..<10).map { Double($0) * 60 + ($0.isMultiple(of: 2) ? 30.4 : 29.6) },  // pairs in one step
    ])
    func aSeriesWithSeveralPointsInOneStepIsItsLastNotTheirSum(times: [Double]) throws {
        // Slower series, more of them: the grid's step is theirs (the commonest gap), 60 s.
        var text = "# TYPE a_slow gauge\n"
        for series in 0..<3 {
            for minute in 0..<11 { text += "a_slow{i=\"\(series)\"} 1 \(minute * 60)\n" }
        }
        text += "# TYPE working_set gauge\n"
        for time in times { text += "working_set{pod=\"web\"} 100 \(time)\n" }
        text += "# EOF\n"
        let history = try MetricHistory(openMetrics: Array(text.utf8), file: "steps.om")
        let rule = SignalRule(name: "working_set", selector: try SeriesSelector("working_set"))
        let signal = try #require(Signal.derive(rule, from: history).first)
        #expect(signal.values.count >= 5)
        #expect(signal.values.allSatisfy { $0 == 100 }, "\(signal.values)")
    }

    @Test func labelSetsCompareByTheirSortedPairs() {
        let ordered: [[String: String]] = [
            ["a": "1"], ["a": "1", "b": "0"], ["a": "1", "b": "2"], ["b": "3", "a": "1"], ["a": "2"], ["b": "9"],
            ["c": "0"],
        ]
        let signals = ordered.reversed().map { Signal(rule: "r", labels: $0, times: [0], values: [0]) }
        #expect(Signal.inOrderOfLabels(signals).map(\.labels) == ordered)
    }
}
