import Foundation
import Testing
import VigilCore
import VigilKube
import VigilRules

@testable import VigilEngine

/// The daemon's history: the series rules select, decided once, bounded, in the engine's shape.
struct SignalRecorderTests {
    static let rules = RuleSet(signals: [
        SignalRule(
            name: "memory",
            selector: try! SeriesSelector(#"container_memory_working_set_bytes{container!=""}"#)
        ),
        SignalRule(
            name: "errors",
            selector: try! SeriesSelector(#"http_requests_total{code=~"5.."}"#),
            transform: .ratio(denominator: try! SeriesSelector("http_requests_total"))
        ),
    ])

    @Test(arguments: [
        // A rule's selector, and a ratio's denominator: kept.
        (["__name__": "container_memory_working_set_bytes", "container": "app"], true),
        (["__name__": "http_requests_total", "code": "200"], true),
        // Excluded by a matcher, or selected by no rule: not kept.
        (["__name__": "container_memory_working_set_bytes", "container": ""], false),
        (["__name__": "node_load1"], false),
    ])
    func keepsWhatSomeRuleSelects(labels: [String: String], kept: Bool) {
        let recorder = SignalRecorder(rules: Self.rules)
        #expect((recorder.admit(labels: labels, role: .gauge) != nil) == kept)
    }

    @Test func theSameLabelsGetTheSameHandleAndRecordedPointsFormTheHistory() throws {
        let recorder = SignalRecorder(rules: Self.rules)
        let labels = ["__name__": "http_requests_total", "code": "500", "pod": "web-1"]
        let handle = try #require(recorder.admit(labels: labels, role: .cumulative))
        #expect(recorder.admit(labels: labels, role: .cumulative) == handle)
        recorder.record(
            (0..<4).map { SampleSinkSample(series: handle, value: Double($0), timestamp: 100 + 15 * Double($0)) }
        )
        // A repeated or older timestamp is not a new point.
        recorder.record([SampleSinkSample(series: handle, value: 9, timestamp: 145)])
        let history = recorder.history(now: 200)
        #expect(history.series.count == 1)
        let series = try #require(history.series.first)
        #expect(series.labels == labels)
        #expect(series.type == .counter)
        #expect(series.times == [100, 115, 130, 145])
        #expect(series.values == [0, 1, 2, 3])
        #expect(history.start == 100 && history.end == 145)
        // A released series is gone, and its handle records nothing any more.
        recorder.release([handle])
        recorder.record([SampleSinkSample(series: handle, value: 1, timestamp: 160)])
        #expect(recorder.history(now: 200).series.isEmpty)
        #expect(SignalRecorder.type(of: "latency_bucket", role: .skipped) == .histogram)
        #expect(SignalRecorder.type(of: "queue", role: .gauge) == .gauge)
    }

    @Test func pointsAreBoundedByAgeAndCountAndSeriesByTheCap() throws {
        let configuration = SignalRecorder.Configuration(retention: 60, maxPointsPerSeries: 3, maxSeries: 2)
        let recorder = SignalRecorder(rules: Self.rules, configuration: configuration)
        let handle = try #require(
            recorder.admit(labels: ["__name__": "http_requests_total", "pod": "a"], role: .gauge)
        )
        recorder.record((0..<10).map { SampleSinkSample(series: handle, value: Double($0), timestamp: Double($0)) })
        #expect(recorder.history(now: 9).series.first?.times == [7, 8, 9])
        recorder.record([SampleSinkSample(series: handle, value: 100, timestamp: 100)])
        // Older than the retention before the newest point: dropped.
        #expect(recorder.history(now: 100).series.first?.times == [100])
        // The history at a time also leaves out what is older than the retention before that time.
        #expect(recorder.history(now: 200).series.isEmpty)

        _ = try #require(recorder.admit(labels: ["__name__": "http_requests_total", "pod": "b"], role: .gauge))
        #expect(recorder.admit(labels: ["__name__": "http_requests_total", "pod": "c"], role: .gauge) == nil)
        #expect(recorder.counts.series == 2 && recorder.counts.refused == 1)
    }

    @Test func newRulesDropWhatNoRuleSelectsAndKeepTheRest() throws {
        let recorder = SignalRecorder(rules: Self.rules)
        let memory = ["__name__": "container_memory_working_set_bytes", "container": "app"]
        let requests = ["__name__": "http_requests_total", "code": "200"]
        let kept = try #require(recorder.admit(labels: memory, role: .gauge))
        let dropped = try #require(recorder.admit(labels: requests, role: .cumulative))
        recorder.record([
            SampleSinkSample(series: kept, value: 1, timestamp: 10),
            SampleSinkSample(series: dropped, value: 1, timestamp: 10),
        ])
        recorder.select(RuleSet(signals: [Self.rules.signals[0]]))
        #expect(recorder.history(now: 10).series.map(\.labels) == [memory])
        #expect(recorder.admit(labels: memory, role: .gauge) == kept)
        #expect(recorder.admit(labels: requests, role: .cumulative) == nil)
    }

    /// A recorded scenario fed through the recorder sample by sample diagnoses as the file does.
    @Test func aScenarioRecordedThroughTheSinkDiagnosesAsTheFileDoes() throws {
        let root = ScenarioReplayTests.root
        let rules = try ScenarioReplayTests.rules.get()
        let scenario = try ReplayScenario.load("\(root)/sample-metrics/scenarios/memory-limit-1")
        let recorder = SignalRecorder(
            rules: rules,
            configuration: SignalRecorder.Configuration(retention: 24 * 3600, maxPointsPerSeries: 100_000)
        )
        var samples: [SampleSinkSample] = []
        for series in scenario.history.series {
            let role: SampleRole =
                switch series.type {
                case .counter: .cumulative
                case .histogram where series.name.hasSuffix("_bucket"): .skipped
                default: .gauge
                }
            guard let handle = recorder.admit(labels: series.labels, role: role) else { continue }
            samples += zip(series.times, series.values).map {
                SampleSinkSample(series: handle, value: $0.1, timestamp: $0.0)
            }
        }
        recorder.record(samples.sorted { $0.timestamp < $1.timestamp })
        let engine = DiagnosisEngine(rules: rules)
        let fromFile = engine.diagnose(history: scenario.history, cluster: scenario.cluster, now: scenario.now)
        let fromRecorder = engine.diagnose(
            history: recorder.history(now: scenario.now),
            cluster: scenario.cluster,
            now: scenario.now
        )
        #expect(!fromFile.incidents.isEmpty)
        // The same incidents (evidence tied between two pods may name either: compare what decides).
        func summary(_ incidents: [Incident]) -> [String] {
            incidents.map { "\($0.id) \($0.subject) \($0.cause) \($0.evidence.count) \($0.proposals.map(\.kubectl))" }
        }
        #expect(summary(fromRecorder.incidents) == summary(fromFile.incidents))
    }
}
