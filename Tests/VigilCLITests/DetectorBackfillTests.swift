import Foundation
import Synchronization
import Testing
import VigilCore
import VigilHTTP
import VigilHistory
import VigilTestKit

@testable import VigilCLI

/// `prometheus_url:` at a start with no checkpoint: the detectors learn Prometheus's record of the
/// scrape jobs' series, exactly as they would have learnt it from the scrapes, and judge at once.
struct DetectorBackfillTests {
    static let now = 1_796_000_123.0
    /// The job's scrape interval, the step the backfill reads at.
    static let interval = 15.0
    /// The grid the backfill reads on: the scrape interval's steps ending at or before `now`.
    static let end = (now / interval).rounded(.down) * interval
    static let span = 26 * 3_600.0
    static let start = end - span
    static let points = Int(span / interval) + 1

    /// A queue with a daily cycle and a little wobble.
    static func queue(_ time: Double) -> Double {
        100 + 20 * sin(2 * .pi * time / 86_400) + Double(Int(time / 300) % 7 - 3)
    }

    /// A counter of about 2 requests a second that restarts from zero once, half a day in.
    static func requests(_ time: Double) -> Double {
        let since = time < start + 43_200 ? time - start : time - start - 43_200
        return (since * 2 + 50 * sin(time / 3_000)).rounded(.down) + 50
    }

    static let series: [(labels: [String: String], value: @Sendable (Double) -> Double)] = [
        (["__name__": "queue_depth", "job": "app", "instance": "a:1"], queue),
        (["__name__": "queue_depth", "job": "app", "instance": "b:1"], { queue($0) * 2 }),
        (["__name__": "http_requests_total", "job": "app", "instance": "a:1"], requests),
    ]

    /// Prometheus's `query_range` answer of `series` that `query` selects (by its `job`), every `step` from `start`.
    static func matrix(_ query: String, _ start: Double, _ end: Double, _ step: Double) -> String {
        let result = series.filter { query == "{job=\"\($0.labels["job"]!)\"}" }.map { series in
            let metric = series.labels.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }
            let values = stride(from: start, through: end, by: step).map { "[\($0),\"\(series.value($0))\"]" }
            return #"{"metric":{\#(metric.joined(separator: ","))},"values":[\#(values.joined(separator: ","))]}"#
        }
        return #"{"status":"success","data":{"resultType":"matrix","result":[\#(result.joined(separator: ","))]}}"#
    }

    /// What the scrapes would have taught: every series's points, a scrape interval apart, through a store.
    static func scraped(_ series: [(labels: [String: String], value: @Sendable (Double) -> Double)]) -> SeriesStore {
        let store = SeriesStore()
        for (labels, value) in series {
            let name = labels["__name__"]!
            let ref = store.register(
                LabelSet(labels.map { (name: $0.key, value: $0.value) }, symbols: store.symbols),
                role: name.hasSuffix("_total") ? .cumulative : .gauge
            )
            for time in stride(from: start, through: end, by: interval) {
                store.observe(ref, value: value(time), at: time)
            }
        }
        return store
    }

    /// Each series's labels, role, detector and counter-rate state (a `CounterRate` that has seen nothing
    /// holds NaN, which `==` never finds equal, so it is compared by its bits), in label order.
    static func learnt(_ snapshot: StoreSnapshot) -> [String] {
        snapshot.series.map { series in
            "\(series.labels) \(series.role) \(series.detector) \(series.rate.lastValue.bitPattern) \(series.rate.lastTimestamp)"
        }.sorted()
    }

    func backfill(_ transport: any HTTPTransport, jobs: [String] = ["app"], seriesLimit: Int = 100) -> DetectorBackfill
    {
        DetectorBackfill(
            url: "http://prometheus:9090",
            jobs: jobs.map { DetectorBackfill.Job(name: $0, interval: Self.interval) },
            span: Self.span,
            parameters: EnsembleParameters(),
            seriesLimit: seriesLimit,
            transport: transport,
            api: .queryRange
        )
    }

    @Test func theDetectorsLearnWhatTheScrapesWouldHaveTaughtThem() async throws {
        let asked = Mutex<[(Double, Double)]>([])
        let prometheus = ScriptedPrometheus { query, start, end, step in
            asked.withLock { $0.append((start, end)) }
            #expect(step == Self.interval)
            return (200, Self.matrix(query, start, end, step))
        }
        let learnt = await backfill(prometheus).learn(now: Self.now)

        #expect(Self.learnt(learnt.snapshot) == Self.learnt(Self.scraped(Self.series).snapshot()))
        #expect(learnt.snapshot.series.count == 3)
        #expect(learnt.points == 3 * Self.points)
        #expect(learnt.failures.isEmpty && !learnt.timedOut && learnt.refused == 0)
        // Oldest first, 720 points at most a request, neither a gap nor an overlap between them.
        let windows = asked.withLock { $0 }
        #expect(learnt.requests == windows.count)
        #expect(windows.first?.0 == Self.start)
        #expect(windows.last?.1 == Self.end)
        for (earlier, later) in zip(windows, windows.dropFirst()) { #expect(later.0 == earlier.1 + Self.interval) }
        #expect(windows.allSatisfy { ($0.1 - $0.0) / Self.interval + 1 <= 720 })
        #expect(windows.count == 9)
    }

    /// The point of it: the first scrape after the start is judged, and a queue far above what this hour
    /// looks like raises an anomaly at once; without the history the detector is still warming up.
    @Test func theFirstScrapeIsJudged() async throws {
        let prometheus = ScriptedPrometheus { (200, Self.matrix($0, $1, $2, $3)) }
        let learnt = await backfill(prometheus).learn(now: Self.now)
        let warm = SeriesStore()
        #expect(warm.restore(learnt.snapshot))
        let cold = SeriesStore()
        let labels = Self.series[0].labels.map { (name: $0.key, value: $0.value) }
        let time = Self.end + 15
        let surge = Self.queue(time) + 60
        let warmQueue = warm.register(LabelSet(labels, symbols: warm.symbols), role: .gauge)
        let coldQueue = cold.register(LabelSet(labels, symbols: cold.symbols), role: .gauge)
        warm.observe(warmQueue, value: surge, at: time)
        cold.observe(coldQueue, value: surge, at: time)
        #expect(try #require(warm.score(of: warmQueue)) >= EnsembleDetector.alarmThreshold)
        #expect(warm.anomalies[warmQueue] != nil)
        #expect(cold.score(of: coldQueue) == 0)
        #expect(cold.anomalies.isEmpty)
    }

    /// A job whose read fails keeps what it learnt before; the other jobs are not held back by it.
    @Test func aFailingJobKeepsWhatItLearntAndTheOthersGoOn() async throws {
        let prometheus = ScriptedPrometheus { query, start, end, step in
            if query == #"{job="batch"}"#, start > Self.start {
                return (
                    400,
                    #"{"status":"error","errorType":"bad_data","error":"query processing would load too many samples"}"#
                )
            }
            let body = Self.matrix(query.replacingOccurrences(of: "batch", with: "app"), start, end, step)
            return (
                200,
                query == #"{job="batch"}"#
                    ? body.replacingOccurrences(of: #""job":"app""#, with: #""job":"batch""#) : body
            )
        }
        let learnt = await backfill(prometheus, jobs: ["app", "batch"]).learn(now: Self.now)
        let failure = try #require(learnt.failures["batch"])
        #expect(failure.contains("too many samples"), "\(failure)")
        #expect(learnt.failures.count == 1)
        let byJob = Dictionary(grouping: learnt.snapshot.series) { $0.labels[$0.labels.firstIndex(of: "job")! + 1] }
        #expect(byJob["app"]?.count == 3)
        #expect(byJob["batch"]?.count == 3)
        #expect(byJob["app"]?.allSatisfy { $0.detector.previousTimestamp == Self.end } == true)
        // The batch job learnt its first window only.
        let firstWindowEnd = try #require(byJob["batch"]?.map { $0.detector.previousTimestamp ?? 0 }.max())
        #expect(firstWindowEnd == Self.start + 719 * Self.interval)
    }

    /// At most the store's series limit is learnt, and only the series this replica's shard keeps.
    @Test func theSeriesLimitAndTheShardBoundWhatIsLearnt() async throws {
        let prometheus = ScriptedPrometheus { (200, Self.matrix($0, $1, $2, $3)) }
        let limited = await backfill(prometheus, seriesLimit: 2).learn(now: Self.now)
        #expect(limited.snapshot.series.count == 2)
        #expect(limited.refused == 1)

        var sharded = backfill(prometheus)
        sharded.keep = { $0["instance"] == "b:1" }
        let learnt = await sharded.learn(now: Self.now)
        #expect(learnt.snapshot.series.map(\.labels) == [["__name__", "queue_depth", "instance", "b:1", "job", "app"]])
        #expect(learnt.refused == 0)
    }

    /// The start waits for Prometheus no longer than the deadline; what was learnt by then is kept.
    @Test func aSilentPrometheusIsGivenUpAtTheDeadline() async throws {
        let clock = ManualClock()
        var silent = backfill(SilentPrometheus(clock: clock))
        silent.deadline = .seconds(120)
        silent.clock = clock
        async let learnt = silent.learn(now: Self.now)
        await clock.waitForSleepers(2)
        clock.advance(by: .seconds(119))
        #expect(clock.sleepers == 2)
        clock.advance(by: .seconds(1))
        let outcome = await learnt
        #expect(outcome.timedOut)
        #expect(outcome.failures.isEmpty, "a read cut short by the deadline is no failure of the job's")
        #expect(outcome.snapshot.series.isEmpty)
        #expect(clock.sleepers == 0)
    }

    @Test func theConfigurationSetsHowFarBack() throws {
        #expect(try DaemonConfig.parse("", file: "vigil.yaml").detectorBackfill == 26 * 3_600)
        #expect(try DaemonConfig.parse("detection: {backfill: 36h}\n", file: "vigil.yaml").detectorBackfill == 129_600)
        #expect(try DaemonConfig.parse("detection: {backfill: 0s}\n", file: "vigil.yaml").detectorBackfill == 0)
        for wrong in ["15d", "soon", "-1h"] {
            #expect {
                try DaemonConfig.parse("detection: {backfill: \(wrong)}\n", file: "vigil.yaml")
            } throws: { error in
                (error as? DaemonConfig.Invalid)?.errors == [
                    "vigil.yaml:1:23: detection.backfill: expected a duration from 0s (off) to 14d, like 2d or 36h, got \"\(wrong)\""
                ]
            }
        }
        let jobs = try DaemonConfig.parse(
            """
            global: {scrape_interval: 30s}
            scrape_configs:
              - {job_name: node, static_configs: [{targets: ["n:9100"]}]}
              - {job_name: app, scrape_interval: 10s, static_configs: [{targets: ["a:8080"]}]}
            """,
            file: "vigil.yaml"
        )
        #expect(jobs.jobs == [.init(name: "node", interval: 30), .init(name: "app", interval: 10)])
    }
}
