import Foundation
import Testing
import VigilCore
import VigilRules

@testable import VigilEngine

/// An outage longer than the daemon's history (two hours) stays an anomaly: each look at the signal
/// hands the next the baseline the anomaly departed from, so the outage never becomes its own baseline.
struct LongOutageTests {
    static let rule = Result { SignalRule(name: "queue_depth", selector: try SeriesSelector("queue_depth")) }

    /// Two hours of a signal stuck at 130 after a baseline of about 100: what the daemon's history holds
    /// once the outage has lasted longer than it keeps.
    static func outage(from start: Double, minutes: Int, then recovered: Int = 0) -> Signal {
        Signal(
            rule: "queue_depth",
            labels: ["workload": "deployment/web"],
            times: (0..<(minutes + recovered)).map { start + Double($0) * 60 },
            values: (0..<(minutes + recovered)).map { $0 < minutes ? 130 : 100 + [-2, 1, 2, -1][$0 % 4] }
        )
    }

    static let before = SignalWatch.Baseline(
        of: SignalAnomaly(
            rule: "queue_depth",
            labels: ["workload": "deployment/web"],
            startedAt: 0,
            lastSeenAt: 3600,
            expected: 100,
            peak: 130,
            spread: 2,
            deviation: 15,
            ongoing: true
        )
    )

    @Test func anOutageLongerThanTheHistoryIsStillOneWithItsBaseline() throws {
        let rule = try Self.rule.get()
        let signal = Self.outage(from: 3 * 3600, minutes: 120)
        #expect(SignalWatch.anomalies(in: signal, rule: rule).isEmpty)
        let carried = SignalWatch.anomalies(in: signal, rule: rule, baseline: Self.before)
        let anomaly = try #require(carried.first)
        #expect(carried.count == 1)
        #expect(anomaly.ongoing)
        #expect(anomaly.startedAt == 0)
        #expect(anomaly.expected == 100)
        #expect(SignalWatch.Baseline(of: anomaly) == Self.before)
    }

    /// Once the signal is back within its baseline, the carried anomaly ends, and nothing is carried on.
    @Test func theCarriedAnomalyEndsWhenTheSignalRecovers() throws {
        let rule = try Self.rule.get()
        let signal = Self.outage(from: 3 * 3600, minutes: 100, then: 20)
        let carried = SignalWatch.anomalies(in: signal, rule: rule, baseline: Self.before)
        let anomaly = try #require(carried.first)
        #expect(carried.count == 1)
        #expect(!anomaly.ongoing)
        #expect(anomaly.lastSeenAt == 3 * 3600 + 99 * 60)
    }

    /// A history that still holds enough from before the anomaly to learn from is judged as it always
    /// was: the baseline is learnt from it.
    @Test func aHistoryFromBeforeTheAnomalyIgnoresTheCarriedBaseline() throws {
        let rule = try Self.rule.get()
        var early = Self.before
        early.since = 3 * 3600 + Double(SignalWatch.warmupSamples + 5) * 60
        let signal = Self.outage(from: 3 * 3600, minutes: 120)
        #expect(SignalWatch.anomalies(in: signal, rule: rule, baseline: early).isEmpty)
    }

    /// The daemon's two-hour history slides a minute a round across the onset and on into the outage;
    /// each round is handed the last one's baseline: every round sees one anomaly going on, from the
    /// onset. (Without the hand-over, the rounds whose history holds only a few samples from before the
    /// onset learn the outage as the baseline, and the anomaly is gone.)
    @Test func anOutageStaysOneAsTheHistorySlidesPastItsOnset() throws {
        let rule = try Self.rule.get()
        let onset = 200
        let all = (0..<600).map { $0 < onset ? 100 + [-2, 1, 2, -1][$0 % 4] : 130.0 }
        var baseline: SignalWatch.Baseline?
        for start in (onset - 120)...(onset + 200) {
            let window = start..<(start + 120)
            let signal = Signal(
                rule: "queue_depth",
                labels: ["workload": "deployment/web"],
                times: window.map { Double($0) * 60 },
                values: window.map { all[$0] }
            )
            let found = SignalWatch.anomalies(in: signal, rule: rule, baseline: baseline)
            guard start + 120 > onset + 1 else { continue }
            let ongoing = try #require(found.last, "history from \(start)")
            #expect(ongoing.ongoing && ongoing.startedAt == Double(onset) * 60, "history from \(start)")
            // Once carried, handed on unchanged: the carried baseline does not learn again the samples
            // before the onset the history still holds.
            if let baseline, onset - start <= Int(SignalWatch.warmupSamples) {
                #expect(SignalWatch.Baseline(of: ongoing) == baseline, "history from \(start)")
            }
            baseline = SignalWatch.Baseline(of: ongoing)
        }
    }

    /// A sample or two back in range is no recovery: the anomaly is still going on, and its baseline is
    /// handed on.
    @Test func aSampleBackInRangeAtTheEndIsNoRecovery() throws {
        let rule = try Self.rule.get()
        var signal = Self.outage(from: 3 * 3600, minutes: 100, then: 2)
        signal.values[signal.values.count - 1] = 100
        let found = SignalWatch.anomalies(in: signal, rule: rule, baseline: Self.before)
        #expect(try #require(found.last).ongoing)
    }

    /// The engine hands each diagnosis's ongoing baselines to the next: a recording trimmed to start
    /// inside its regression still shows the regression when the diagnosis before it is handed on.
    @Test func theEngineCarriesTheBaselinesOfOngoingAnomalies() throws {
        let source = "\(ScenarioReplayTests.root)/sample-metrics/scenarios/latency-regression-1"
        let engine = DiagnosisEngine(rules: try ScenarioReplayTests.rules.get())
        let scenario = try ReplayScenario.load(source, keeping: engine.selects)
        let first = engine.diagnose(history: scenario.history, cluster: scenario.cluster, now: scenario.now)
        let regression = try #require(first.anomalies.first { $0.rule == "latency_p99" && $0.ongoing })
        #expect(!first.baselines.isEmpty)
        // The history as the daemon would hold it once the regression outlasted it.
        var trimmed = MetricHistory()
        for series in scenario.history.series {
            let kept = series.times.indices.filter { series.times[$0] > regression.startedAt + 300 }
            guard !kept.isEmpty else { continue }
            trimmed.append(
                MetricHistory.Series(
                    labels: series.labels,
                    type: series.type,
                    times: kept.map { series.times[$0] },
                    values: kept.map { series.values[$0] }
                )
            )
        }
        let alone = engine.diagnose(history: trimmed, cluster: scenario.cluster, now: scenario.now)
        #expect(!alone.anomalies.contains { $0.rule == "latency_p99" && $0.startedAt == regression.startedAt })
        let handedOn = engine.diagnose(
            history: trimmed,
            cluster: scenario.cluster,
            now: scenario.now,
            baselines: first.baselines
        )
        #expect(handedOn.anomalies.contains { $0.rule == "latency_p99" && $0.startedAt == regression.startedAt })
        #expect(handedOn.incidents.first?.cause == "bad-rollout")
        let key = SignalWatch.Key(of: Signal(rule: regression.rule, labels: regression.labels, times: [], values: []))
        #expect(handedOn.baselines[key] != nil)
        // Past the carry, the level the anomaly holds is taken as the new normal: nothing is handed on.
        var shortCarry = engine
        shortCarry.baselineCarry = scenario.now - regression.startedAt
        let pastTheCarry = shortCarry.diagnose(
            history: trimmed,
            cluster: scenario.cluster,
            now: scenario.now,
            baselines: first.baselines
        )
        #expect(pastTheCarry.anomalies.contains { $0.rule == "latency_p99" && $0.startedAt == regression.startedAt })
        #expect(pastTheCarry.baselines.isEmpty)
    }
}
