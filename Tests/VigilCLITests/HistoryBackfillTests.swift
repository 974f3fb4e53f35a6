import Foundation
import Logging
import Testing
import VigilEngine
import VigilHTTP
import VigilRules
import VigilTestKit

@testable import VigilCLI

/// `prometheus_url:`: the daemon's diagnosis history starts from Prometheus's record, not from zero.
struct HistoryBackfillTests {
    let rules: RuleSet
    let now = 1_796_000_400.0

    init() throws {
        rules = try RuleSet.load([ruleDirectory], findings: Finding.reasons)
    }

    @Test func theRecorderStartsWithTheRulesSeriesFromPrometheus() async throws {
        let prometheus = ScriptedPrometheus { query, start, end, step in
            guard query.contains("container_memory_working_set_bytes") else {
                return (200, #"{"status":"success","data":{"resultType":"matrix","result":[]}}"#)
            }
            let points = stride(from: start, through: end, by: step).map { "[\($0),\"300000000\"]" }
            let metric =
                #"{"__name__":"container_memory_working_set_bytes","namespace":"shop","pod":"cart-1","container":"app"}"#
            let values = points.joined(separator: ",")
            return (
                200,
                #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":\#(metric),"values":[\#(values)]}]}}"#
            )
        }
        let recorder = SignalRecorder(rules: rules)
        // A clock that never moves: the deadline's 20 s on the wall could pass while the read waits on a
        // busy pool (CI's parallel run has kept it busy for over a minute), and nothing would be kept.
        await HistoryBackfill(url: "http://prometheus:9090", step: 15, transport: prometheus, clock: ManualClock())
            .run(into: recorder, rules: rules, now: now, logger: Logger(label: "test"))
        let history = recorder.history(now: now)
        try #require(history.series.count == 1)
        let series = history.series[0]
        #expect(series.labels["pod"] == "cart-1")
        // Two hours at 15 s is 481 points; the recorder keeps its 480 latest.
        #expect(series.times.count == 480)
        #expect(series.times.last == now)
        #expect(recorder.counts.series == 1)
    }

    /// A Prometheus that fails leaves the recorder empty, and the daemon starts anyway.
    @Test func aFailingPrometheusLeavesTheRecorderEmpty() async throws {
        let prometheus = ScriptedPrometheus { _, _, _, _ in
            (503, #"{"status":"error","errorType":"unavailable","error":"shutting down"}"#)
        }
        let recorder = SignalRecorder(rules: rules)
        await HistoryBackfill(url: "http://prometheus:9090", step: 15, transport: prometheus)
            .run(into: recorder, rules: rules, now: now, logger: Logger(label: "test"))
        #expect(recorder.history(now: now).series.isEmpty)
    }

    /// The daemon's first scrape waits for Prometheus no longer than the deadline, then learns from zero.
    @Test func aSilentPrometheusIsGivenUpAtTheDeadline() async throws {
        let clock = ManualClock()
        let recorder = SignalRecorder(rules: rules)
        let backfill = HistoryBackfill(
            url: "http://prometheus:9090",
            step: 15,
            transport: SilentPrometheus(clock: clock),
            deadline: .seconds(60),
            clock: clock
        )
        async let finished: Void = backfill.run(into: recorder, rules: rules, now: now, logger: Logger(label: "test"))
        // The deadline and the first request both asleep; a minute passes and the start goes on.
        await clock.waitForSleepers(2)
        clock.advance(by: .seconds(59))
        #expect(clock.sleepers == 2)
        clock.advance(by: .seconds(1))
        await finished
        #expect(recorder.history(now: now).series.isEmpty)
        #expect(clock.sleepers == 0)
    }

    @Test func theConfigurationNamesPrometheus() throws {
        let config = try DaemonConfig.parse("prometheus_url: http://prometheus:9090\n", file: "vigil.yaml")
        #expect(config.prometheusURL == "http://prometheus:9090")
        #expect(throws: DaemonConfig.Invalid.self) {
            try DaemonConfig.parse("prometheus_url: prometheus:9090\n", file: "vigil.yaml")
        }
        do {
            _ = try DaemonConfig.parse("prometheus_url: prometheus:9090\n", file: "vigil.yaml")
        } catch {
            #expect(
                error.errors == [
                    "vigil.yaml:1:17: prometheus_url: expected an http:// or https:// URL, got \"prometheus:9090\""
                ]
            )
        }
    }
}
