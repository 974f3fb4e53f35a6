import Foundation
import Synchronization
import Testing
import VigilCore
import VigilHTTP
import VigilHistory
import VigilScrape
import VigilTestKit

@testable import VigilCLI

/// `prometheus_url:` at a start with no checkpoint: the detectors learn Prometheus's record of the
/// scrape jobs' series, exactly as they would have learnt it from the scrapes, and judge at once.
struct DetectorBackfillTests {
    static let now = 1_796_000_123.0
    /// The job's scrape interval, the step the backfill reads at.
    static let interval = 15.0
    /// The grid the backfill reads on: the scrape interval's steps, ending a step or more before `now`.
    static let end = (now / interval).rounded(.down) * interval - interval
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

    typealias Series = (labels: [String: String], value: @Sendable (Double) -> Double)

    static let series: [Series] = [
        (["__name__": "queue_depth", "job": "app", "instance": "a:1"], queue),
        (["__name__": "queue_depth", "job": "app", "instance": "b:1"], { queue($0) * 2 }),
        (["__name__": "http_requests_total", "job": "app", "instance": "a:1"], requests),
    ]

    /// The `job` a selector asks for.
    static func job(of query: String) -> String? {
        query.firstMatch(of: /job="([^"]*)"/).map { String($0.1) }
    }

    /// Prometheus's `query_range` answer: the series of the job `query` selects, every `step` from `start`
    /// (and, where `extra` says, points it was not asked for).
    static func matrix(
        _ query: String,
        _ start: Double,
        _ end: Double,
        _ step: Double,
        of series: [Series] = series,
        extra: [Double] = []
    ) -> String {
        let result = series.filter { job(of: query) == $0.labels["job"] }.map { series in
            let metric = series.labels.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }
            let times =
                (extra.filter { $0 < start } + Array(stride(from: start, through: end, by: step))
                    + extra.filter { $0 > end })
            let values = times.map { "[\($0),\"\(series.value($0))\"]" }
            return #"{"metric":{\#(metric.joined(separator: ","))},"values":[\#(values.joined(separator: ","))]}"#
        }
        return #"{"status":"success","data":{"resultType":"matrix","result":[\#(result.joined(separator: ","))]}}"#
    }

    /// What the scrapes would have taught: every series's points, a scrape interval apart, through a store.
    static func scraped(_ series: [Series], every step: Double = interval, from first: Double = start) -> SeriesStore {
        let store = SeriesStore()
        for (labels, value) in series {
            let name = labels["__name__"]!
            let ref = store.register(
                LabelSet(labels.map { (name: $0.key, value: $0.value) }, symbols: store.symbols),
                role: name.hasSuffix("_total") ? .cumulative : .gauge
            )
            for time in stride(from: first, through: end, by: step) {
                store.observe(ref, value: value(time), at: time)
            }
        }
        return store
    }

    /// Each series's labels, role and detector, in label order. (Counter rates are not compared: the
    /// backfill starts each over, `aCounterStartsItsRateOverAtTheFirstScrape`.)
    static func learnt(_ snapshot: StoreSnapshot) -> [String] {
        snapshot.series.map { "\($0.labels) \($0.role) \($0.detector)" }.sorted()
    }

    /// On a clock that never moves unless a test moves it: the deadline's two minutes on the wall could
    /// pass while the reading waits on a busy pool (CI's parallel run has kept it busy for over a minute).
    func backfill(_ transport: any HTTPTransport, jobs: [String] = ["app"], seriesLimit: Int = 100) -> DetectorBackfill
    {
        DetectorBackfill(
            url: "http://prometheus:9090",
            jobs: jobs.map { DetectorBackfill.Job(name: $0, interval: Self.interval) },
            span: Self.span,
            parameters: EnsembleParameters(),
            seriesLimit: seriesLimit,
            transport: transport,
            api: .queryRange,
            clock: ManualClock()
        )
    }

    @Test func theDetectorsLearnWhatTheScrapesWouldHaveTaughtThem() async throws {
        let asked = Mutex<[(Double, Double)]>([])
        let prometheus = ScriptedPrometheus { query, start, end, step in
            asked.withLock { $0.append((start, end)) }
            #expect(step == Self.interval)
            // Only what a scrape would score: no buckets, quantiles nor the rules' series.
            #expect(
                query.contains(#"__name__!~".+_bucket|.*:.*|ALERTS|ALERTS_FOR_STATE|scrape_series_added|"#),
                "\(query)"
            )
            #expect(query.contains(#"quantile="""#), "\(query)")
            return (200, Self.matrix(query, start, end, step))
        }
        let learnt = await backfill(prometheus).learn(now: Self.now)

        #expect(Self.learnt(learnt.snapshot) == Self.learnt(Self.scraped(Self.series).snapshot()))
        #expect(learnt.snapshot.series.count == 3)
        #expect(learnt.points == 3 * Self.points)
        #expect(learnt.failures.isEmpty && !learnt.timedOut && learnt.refused == 0 && learnt.unfinished == 0)
        // The scripted Prometheus lists no targets: how often it scrapes the job is not known.
        #expect(learnt.intervalsUnknown == ["app"])
        // First the last instant alone (which series are there now), then oldest first, 720 points at a
        // time; no gap, no overlap.
        let asks = asked.withLock { $0 }
        #expect(learnt.requests == asks.count)
        #expect(asks.first.map { $0 == (Self.end, Self.end) } == true)
        let windows = asks.dropFirst()
        #expect(windows.first?.0 == Self.start)
        #expect(windows.last?.1 == Self.end)
        for (earlier, later) in zip(windows, windows.dropFirst()) { #expect(later.0 == earlier.1 + Self.interval) }
        #expect(windows.dropLast().allSatisfy { ($0.1 - $0.0) / Self.interval + 1 == 720 })
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
        // A second after the backfill began: the first scrape comes whenever the backfill ends. (The
        // history ends a step early, so this is no sample 2 s after the last.)
        let time = Self.now + 1
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

    /// The history's last point is a grid instant, not the counter's own sample time, so a rate from it
    /// to the first scrape would be off; the rate starts over there, and the next scrape is a true rate,
    /// judged quiet.
    @Test func aCounterStartsItsRateOverAtTheFirstScrape() async throws {
        let prometheus = ScriptedPrometheus { (200, Self.matrix($0, $1, $2, $3)) }
        let learnt = await backfill(prometheus).learn(now: Self.now)
        let counter = try #require(learnt.snapshot.series.first { $0.role == .cumulative })
        #expect(counter.rate.lastTimestamp == -.infinity)
        #expect(counter.detector.previousTimestamp == Self.end)
        let store = SeriesStore()
        #expect(store.restore(learnt.snapshot))
        let labels = Self.series[2].labels.map { (name: $0.key, value: $0.value) }
        let requests = store.register(LabelSet(labels, symbols: store.symbols), role: .cumulative)
        // Sampled 10 s before the grid instant: a rate from the history's last point would read it 10 s
        // short.
        store.observe(requests, value: Self.requests(Self.end + 5), at: Self.end + 15)
        #expect(store.snapshot().series.first { $0.role == .cumulative }?.detector.previousTimestamp == Self.end)
        store.observe(requests, value: Self.requests(Self.end + 20), at: Self.end + 30)
        #expect(try #require(store.score(of: requests)) < EnsembleDetector.alarmThreshold)
    }

    /// Where Prometheus scrapes the job every minute and Vigil every 15 s, the history is read every minute
    /// (a 15-s step would repeat each sample) over four times the span, so the detectors count as many
    /// samples as they would have at 15 s.
    @Test func aJobPrometheusScrapesLessOftenIsReadAtPrometheusesStepOverALongerSpan() async throws {
        let steps = Mutex<Set<Double>>([])
        let first = Mutex(Double.infinity)
        let targets = #"""
            {"status":"success","data":{"activeTargets":[
            {"labels":{"job":"app","instance":"a:1"},"scrapeInterval":"30s"},
            {"labels":{"job":"app","instance":"b:1"},"scrapeInterval":"1m"},
            {"labels":{"job":"app","instance":"c:1"},"scrapeInterval":"1h"},
            {"labels":{"job":"other"},"scrapeInterval":"5m"}]}}
            """#
        // An hour is past any step worth following (PromQL's lookback is 5 minutes): not followed.
        let prometheus = ScriptedPrometheus(targets: targets) { query, start, end, step in
            steps.withLock { _ = $0.insert(step) }
            first.withLock { $0 = min($0, start) }
            return (200, Self.matrix(query, start, end, step))
        }
        let learnt = await backfill(prometheus).learn(now: Self.now)
        #expect(steps.withLock { $0 } == [60])
        let end = (Self.now / 60).rounded(.down) * 60 - 60
        #expect(first.withLock { $0 } == end - 4 * Self.span)
        #expect(learnt.points == 3 * (Int(4 * Self.span / 60) + 1))
        #expect(learnt.snapshot.series.allSatisfy { $0.detector.previousTimestamp == end })
        #expect(learnt.intervalsUnknown.isEmpty)

        let reading = DetectorBackfill.Reading(
            .init(name: "app", interval: 7),
            prometheusInterval: nil,
            span: 1_000,
            now: 10_000.5
        )
        #expect(reading == .init(job: .init(name: "app", interval: 7), step: 7, first: 9_989 - 142 * 7, points: 143))
        // No finer than a second (query_range's finest), and the span grown to keep the count.
        let fine = DetectorBackfill.Reading(
            .init(name: "app", interval: 0.25),
            prometheusInterval: nil,
            span: 60,
            now: 100
        )
        #expect(fine == .init(job: .init(name: "app", interval: 0.25), step: 1, first: 99 - 240, points: 241))
        // At most 14 days, however the ratio grows it.
        let long = DetectorBackfill.Reading(
            .init(name: "app", interval: 15),
            prometheusInterval: 300,
            span: 86_400,
            now: 0
        )
        #expect(long.points == 14 * 288 + 1)
        // A whole number of Prometheus's intervals: samples 10 s apart are read every 20 s, not every 15 s
        // (points 10 and 20 s apart in turn); 20 s ones for a 15-s job, every 20 s; 2-s ones, every 16 s.
        for (prometheus, step) in [(10.0, 20.0), (20, 20), (2, 16), (60, 60)] {
            let reading = DetectorBackfill.Reading(
                .init(name: "app", interval: 15),
                prometheusInterval: prometheus,
                span: 3_600,
                now: 100_000
            )
            #expect(reading.step == step, "Prometheus every \(prometheus) s")
        }
    }

    /// A request Prometheus finds too heavy is halved and asked again, down to what it takes; the
    /// detectors learn the same.
    @Test func aRequestTooHeavyIsHalved() async throws {
        let asked = Mutex<[Int]>([])
        let prometheus = ScriptedPrometheus { query, start, end, step in
            let points = Int((end - start) / step) + 1
            asked.withLock { $0.append(points) }
            guard points <= 100 else {
                return (
                    422,
                    #"{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory in query execution"}"#
                )
            }
            return (200, Self.matrix(query, start, end, step))
        }
        let learnt = await backfill(prometheus).learn(now: Self.now)
        #expect(learnt.failures.isEmpty)
        #expect(Self.learnt(learnt.snapshot) == Self.learnt(Self.scraped(Self.series).snapshot()))
        let sizes = asked.withLock { $0 }
        #expect(Array(sizes.prefix(5)) == [1, 720, 360, 180, 90])
        #expect(sizes.dropFirst(4).allSatisfy { $0 <= 90 })
    }

    /// A failure that is not about size ends the job, and a job not read to the end keeps nothing: its
    /// baseline would be hours old. The other jobs are not held back by it, nor is their room under the
    /// series limit taken by it: read first, with room for three series only, it leaves all three.
    @Test func aFailingJobLearnsFromItsScrapesAndTheOthersGoOn() async throws {
        let batch = Self.series.map { series in
            (labels: series.labels.merging(["job": "batch"]) { $1 }, value: series.value)
        }
        let prometheus = ScriptedPrometheus { query, start, end, step in
            // Its last instant and first window answered, its second refused.
            if Self.job(of: query) == "batch", start > Self.start, end > start {
                return (400, #"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\""}"#)
            }
            return (200, Self.matrix(query, start, end, step, of: Self.series + batch))
        }
        var backfill = backfill(prometheus, jobs: ["batch", "app"], seriesLimit: 3)
        backfill.concurrency = 1
        let learnt = await backfill.learn(now: Self.now)
        let failure = try #require(learnt.failures["batch"])
        #expect(failure.contains("invalid parameter"), "\(failure)")
        #expect(learnt.failures.count == 1)
        #expect(learnt.unfinished == 3)
        #expect(Self.learnt(learnt.snapshot) == Self.learnt(Self.scraped(Self.series).snapshot()))
    }

    /// Points outside the window asked for (a broken answer, a clock ahead) are not taken: a counter's
    /// time set ahead would have every scrape to come ignored. And a series Prometheus stopped seeing two
    /// hours ago (a pod replaced) is not learnt.
    @Test func pointsOutsideTheWindowAndSeriesGoneAreLeftOut() async throws {
        let gone: Series = (["__name__": "queue_depth", "job": "app", "instance": "gone:1"], Self.queue)
        let prometheus = ScriptedPrometheus { query, start, end, step in
            let stopped = Self.end - 7_200
            let body = Self.matrix(query, start, end, step, extra: [start - 45, end + 86_400])
            guard start <= stopped else { return (200, body) }
            let goneBody = Self.matrix(query, start, min(end, stopped), step, of: [gone])
            // Both answers' series, as one matrix.
            let merged =
                body.replacingOccurrences(of: "]}}", with: "")
                + "," + goneBody.components(separatedBy: #""result":["#)[1]
            return (200, merged)
        }
        let learnt = await backfill(prometheus).learn(now: Self.now)
        #expect(learnt.points == 3 * Self.points)
        #expect(learnt.snapshot.series.allSatisfy { !$0.labels.contains("gone:1") })
        #expect(Self.learnt(learnt.snapshot) == Self.learnt(Self.scraped(Self.series).snapshot()))
    }

    /// A job of more series × points than a backfill reads is not read past its last instant: it would be
    /// cut short by the deadline and kept for nothing.
    @Test func aJobTooLargeToReadIsLeftToItsScrapes() async throws {
        let asked = Mutex(0)
        let prometheus = ScriptedPrometheus { query, start, end, step in
            asked.withLock { $0 += 1 }
            return (200, Self.matrix(query, start, end, step))
        }
        var large = backfill(prometheus)
        large.samplesPerJob = 3 * Self.points - 1
        let learnt = await large.learn(now: Self.now)
        #expect(learnt.failures["app"] == "3 series × 6241 points: more than a backfill reads of a job (18722 samples)")
        #expect(learnt.snapshot.series.isEmpty)
        #expect(asked.withLock { $0 } == 1)
    }

    /// At most the room under the series limit is learnt, and only the series this replica's shard keeps.
    @Test func theSeriesLimitAndTheShardBoundWhatIsLearnt() async throws {
        let prometheus = ScriptedPrometheus { (200, Self.matrix($0, $1, $2, $3)) }
        let limited = await backfill(prometheus, seriesLimit: 2).learn(now: Self.now)
        #expect(limited.snapshot.series.count == 2)
        #expect(limited.refused == 1)

        // No room at all: nothing is asked for.
        let asked = Mutex(0)
        let counting = ScriptedPrometheus { query, start, end, step in
            asked.withLock { $0 += 1 }
            return (200, Self.matrix(query, start, end, step))
        }
        #expect(await backfill(counting, seriesLimit: 0).learn(now: Self.now).snapshot.series.isEmpty)
        #expect(asked.withLock { $0 } == 0)

        var sharded = backfill(prometheus)
        sharded.keep = { $0["instance"] == "b:1" }
        let learnt = await sharded.learn(now: Self.now)
        #expect(learnt.snapshot.series.map(\.labels) == [["__name__", "queue_depth", "instance", "b:1", "job", "app"]])
        #expect(learnt.refused == 0)
    }

    /// The start waits for Prometheus no longer than the deadline: a job read to the end by then is kept,
    /// one cut short learns from its scrapes, and the cut is no failure of the job's.
    @Test func theDeadlineKeepsTheJobsReadToTheEnd() async throws {
        let clock = ManualClock()
        let slow = Self.series.map { series in
            (labels: series.labels.merging(["job": "slow"]) { $1 }, value: series.value)
        }
        let prometheus = ScriptedPrometheus { query, start, end, step throws(HTTPClientError) in
            // Its last instant and first window answered, its second never.
            if Self.job(of: query) == "slow", start > Self.start, end > start {
                do {
                    try await clock.sleep(for: .seconds(86_400))
                } catch {
                    throw HTTPClientError(.cancelled, "cancelled")
                }
            }
            return (200, Self.matrix(query, start, end, step, of: Self.series + slow))
        }
        var backfill = backfill(prometheus, jobs: ["app", "slow"])
        backfill.clock = clock
        // One job at a time: the slow one waits only once the first is read.
        backfill.concurrency = 1
        async let learnt = backfill.learn(now: Self.now)
        // The deadline and the slow job's second request asleep, once the first job is read.
        await clock.waitForSleepers(2)
        clock.advance(by: .seconds(119))
        #expect(clock.sleepers == 2)
        clock.advance(by: .seconds(1))
        let outcome = await learnt
        #expect(outcome.timedOut)
        #expect(outcome.failures.isEmpty)
        #expect(outcome.unfinished == 3)
        #expect(Self.learnt(outcome.snapshot) == Self.learnt(Self.scraped(Self.series).snapshot()))
        #expect(clock.sleepers == 0)
    }

    /// A stop (the daemon's SIGTERM) cancels the reading: no deadline is reported, no job failed.
    @Test func aStopIsNoDeadline() async throws {
        let clock = ManualClock()
        var silent = backfill(SilentPrometheus(clock: clock))
        silent.clock = clock
        let reading = Task { await silent.learn(now: Self.now) }
        // The deadline and the first request (Prometheus's targets) asleep.
        await clock.waitForSleepers(2)
        reading.cancel()
        let learnt = await reading.value
        #expect(!learnt.timedOut)
        #expect(learnt.failures.isEmpty)
        #expect(learnt.snapshot.series.isEmpty)
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
        var config = try DaemonConfig.parse(
            """
            global: {scrape_interval: 30s}
            scrape_configs:
              - {job_name: node, static_configs: [{targets: ["n:9100"]}]}
              - {job_name: app, scrape_interval: 10s, static_configs: [{targets: ["a:8080"]}]}
            """,
            file: "vigil.yaml"
        )
        // Jobs of static targets are read for their instances only.
        #expect(
            config.backfillJobs() == [
                .init(name: "node", interval: 30, instances: ["n:9100"]),
                .init(name: "app", interval: 10, instances: ["a:8080"]),
            ]
        )
        // A target given on the command line (`--scrape … --job web`) is read too.
        config.targets.append(ScrapeTarget(url: "http://w:80/metrics", job: "web", interval: 5))
        #expect(config.backfillJobs().last == .init(name: "web", interval: 5, instances: ["w:80"]))
        // A replica reads the static instances its shard owns, and no job where it owns none.
        #expect(config.backfillJobs { $0.job != "node" }.map(\.name) == ["app", "web"])
        let reading = DetectorBackfill.Reading(config.backfillJobs()[0], prometheusInterval: nil, span: 60, now: 600)
        #expect(reading.selector.hasPrefix(#"{job="node", __name__!~".+_bucket|.*:.*|ALERTS|ALERTS_FOR_STATE|scrape_"#))
        #expect(reading.selector.hasSuffix(#"scrape_body_size_bytes", quantile="", instance=~"n:9100"}"#))
        let dotted = DetectorBackfill.Reading(
            .init(name: "a", interval: 15, instances: ["10.0.0.1:80", "b:1"]),
            prometheusInterval: nil,
            span: 60,
            now: 600
        )
        #expect(dotted.selector.hasSuffix(#"instance=~"10\\.0\\.0\\.1:80|b:1"}"#))
    }
}
