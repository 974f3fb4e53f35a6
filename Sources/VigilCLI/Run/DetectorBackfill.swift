import Foundation
import Logging
import VigilCore
import VigilEngine
import VigilHTTP
import VigilHistory
import VigilRules
import VigilScrape
import VigilYAML

/// `prometheus_url:` at a fresh start (no checkpoint taken back): each scrape job's series as
/// Prometheus recorded them over the last `detection.backfill` (26 hours by default), replayed through
/// detectors with the daemon's settings and handed to the scrape manager as a checkpoint would be. A
/// new daemon then judges its first scrape instead of warming up for 25 hours.
///
/// **The step.** When a detector trusts a baseline (a daily bin: `minimumSamples`) is a count of samples
/// at the spacing it is judged at (``PacedSettings``), so the history is read at the job's scrape
/// interval: read every five minutes, each hour's bin of a detector scraped every 15 s would hold 13 of
/// the 200 samples it needs there, and the level would stand in for the daily profile for most of a day.
/// The step is a whole number of Prometheus's own intervals for the job (`/api/v1/targets`), the least at
/// least the job's: finer, each sample would repeat and a counter read 0 and then twice its rate;
/// not a multiple, the points would fall unevenly on the samples (10 and 20 s apart in turn at 15 s over
/// 10 s) and each rate, divided by the step, swing. Prometheus every minute, Vigil every 15 s: 60 s;
/// Prometheus every 10 s: 20 s. The span grows by the step's ratio to the job's interval, so the
/// detectors still count as many samples, up to 14 days (which binds where the ratio passes 14 days
/// over the span: 13 at the default 26 hours, as Vigil at 15 s under Prometheus at 5 minutes).
///
/// **The reads.** Remote read where Prometheus offers it (raw samples, compressed, stepped here), else
/// `query_range`; a job at a time (two at once). First the job's last instant alone: the series
/// Prometheus holds now (a pod replaced since is not learnt, and takes no room under the series limit),
/// and how many, which sizes the rest. Then oldest first, so the points of a series reach its detector
/// in order, each request as many points as keep it near a million samples (at most 720), the next
/// asked for while one is replayed; one Prometheus or the reader finds too heavy is halved and asked
/// again. Only series a scrape would score: not histogram buckets, summary quantiles, nor the rules'
/// series (`:` names, `ALERTS`); for a job of static targets only, only their `instance`s. A series is
/// read as a scrape would read it (a counter by its rate, its first rate after a reset skipped); its
/// role comes from its name, since Prometheus's answers carry no type, and a series the first scrape
/// types otherwise starts over (``SeriesStore/register(_:role:)``). What the history raised is not
/// reported: those are old news.
///
/// **What is kept.** The series of the jobs read to the end: not a job whose read failed or was cut
/// short by the deadline, whose baseline would be hours old at the first scrape. A counter's rate
/// starts over at the first scrape (the history's last point is a grid instant, not the sample's own
/// time). Bounded: each request by a timeout and a body cap, the series by the room left under the
/// series limit and by the shard (the `instance` label, where the scrapes shard by the target's
/// address: the same where relabelling keeps `instance` as the address), the whole by a deadline (the
/// daemon is not ready until it is over).
struct DetectorBackfill {
    /// A scrape job, read with `{job="…"}` (Prometheus labels a job's series so when it scrapes them
    /// with the same configuration), judged every `interval`.
    struct Job: Equatable, Sendable {
        var name: String
        var interval: Double
        /// The `instance` labels of its targets where they are all known (static targets): only their
        /// series are read. Nil: any (targets found by discovery). A configuration's static job holds
        /// none until ``DaemonConfig/backfillJobs(owning:)`` fills in those of this replica's shard.
        var instances: [String]? = nil
    }

    var url: String
    var jobs: [Job]
    /// How far back the detectors learn from.
    var span: Double
    var parameters: EnsembleParameters
    /// At most this many series are learnt (the room the scrape manager's limit leaves).
    var seriesLimit: Int
    /// Which series this replica learns, by their labels (its shard's targets).
    var keep: @Sendable ([String: String]) -> Bool = { _ in true }
    var transport: any HTTPTransport = CurlHTTPClient()
    var requestTimeout: Double = 30
    var maxResponseBytes = 64 << 20
    /// Samples (series × points) a request asks for at most: about 16 MB as the reader holds them, 25 MB
    /// of `query_range` JSON.
    var samplesPerRequest = 1_000_000
    /// The most samples (series × points) a job is read for: about what the deadline reads here (3.7 M
    /// samples a second by remote read, `scripts/bench-backfill.sh`). A larger job would be cut short
    /// and kept for nothing, its census and windows held meanwhile (kube-state-metrics of a large
    /// cluster: 300,000 series); it learns from its scrapes.
    var samplesPerJob = 200_000_000
    /// Jobs read at once.
    var concurrency = 2
    var api = HistoryAPI.auto
    var deadline: Duration = .seconds(120)
    var clock: any _Concurrency.Clock<Duration> = ContinuousClock()

    /// The longest span: longer makes the start slower for little (the record of evidence forgets
    /// within a week).
    static let maximumSpan: Double = 14 * 86_400
    /// Points per series and request at most: three hours at 15 s.
    static let maximumPointsPerRequest = 720
    /// The longest Prometheus scrape interval the step follows: past PromQL's 5-minute lookback a
    /// `query_range` step loses points, and such an answer is more likely a mistake than a job.
    static let longestPrometheusInterval = CounterRate.lookback

    /// What the detectors learnt, as a checkpoint holds it, and how the reading went.
    struct Learnt {
        var snapshot: StoreSnapshot
        var points = 0
        /// Requests answered.
        var requests = 0
        /// Series left out at the series limit (each job's most in one request).
        var refused = 0
        /// Series learnt but not kept: their job was not read to the end.
        var unfinished = 0
        /// Each failed job's error.
        var failures: [String: String] = [:]
        /// The jobs whose scrape interval Prometheus did not say: read at Vigil's.
        var intervalsUnknown: [String] = []
        /// What Prometheus warned of (a part of the data missing from an answer), each with its query.
        var warnings: [String] = []
        var timedOut = false
    }

    /// How one job's history is read: `points` instants `step` apart, the last a step or more before the
    /// start.
    struct Reading: Equatable {
        var job: Job
        var step: Double
        var first: Double
        var points: Int

        /// The series a scrape of the job gives the detectors: buckets, quantiles, the rules' series
        /// and the scrape series Vigil does not keep left out on the server (`_created` is not: in
        /// kube-state-metrics it is a gauge a scrape scores).
        var selector: String {
            var matchers: [(label: String, op: SeriesSelector.Operator, value: String)] = [
                ("job", .equal, job.name), ("__name__", .notMatches, Self.excludedNames), ("quantile", .equal, ""),
            ]
            if let instances = job.instances {
                matchers.append(("instance", .matches, instances.map(RE2.quoted).joined(separator: "|")))
            }
            return SeriesSelector.promQL(matchers)
        }

        /// Names no scrape of Vigil's scores: histogram buckets, the rules' series, and the scrape
        /// series Prometheus keeps beside the three Vigil keeps (`up`, `scrape_duration_seconds`,
        /// `scrape_samples_scraped`).
        static let excludedNames =
            ".+_bucket|.*:.*|ALERTS|ALERTS_FOR_STATE|scrape_series_added|scrape_samples_post_metric_relabeling"
            + "|scrape_timeout_seconds|scrape_sample_limit|scrape_body_size_bytes"
    }

    /// Learns, then hands what was learnt to `manager`, logging what happened.
    func run(into manager: ScrapeManager, now: Double, logger: Logger) async {
        logger.info(
            "learning the detectors from prometheus's history (not ready until done)",
            metadata: [
                "url": "\(URLUserInfo.redacted(url))", "jobs": "\(jobs.map(\.name))", "span_seconds": "\(span)",
                "deadline": "\(deadline)",
            ]
        )
        let started = ContinuousClock.now
        var bounded = self
        let before = await manager.seriesCount
        bounded.seriesLimit = max(0, seriesLimit - before)
        let learnt = await bounded.learn(now: now)
        _ = await manager.restore(learnt.snapshot)
        var metadata: Logger.Metadata = [
            "series": "\(await manager.seriesCount - before)", "points": "\(learnt.points)",
            "requests": "\(learnt.requests)", "took": "\((ContinuousClock.now - started).logText)",
        ]
        if learnt.refused > 0 { metadata["refused_at_series_limit"] = "\(learnt.refused)" }
        if learnt.unfinished > 0 { metadata["unfinished_jobs_series"] = "\(learnt.unfinished)" }
        logger.info("detectors learnt from prometheus's history", metadata: metadata)
        if !learnt.intervalsUnknown.isEmpty {
            logger.notice(
                "prometheus did not say how often it scrapes these jobs: read at vigil's scrape interval (where prometheus scrapes less often, each sample repeats and a counter's rate reads 0 and then a multiple)",
                metadata: ["jobs": "\(learnt.intervalsUnknown.sorted())"]
            )
        }
        for (job, error) in learnt.failures.sorted(by: { $0.key < $1.key }) {
            logger.warning(
                "reading a job's history from prometheus failed: its series learn from their scrapes",
                metadata: ["job": "\(job)", "error": "\(error)"]
            )
        }
        for warning in learnt.warnings {
            logger.warning(
                "prometheus answered with a warning: part of the history may be missing, and the detectors learnt without it",
                metadata: ["warning": "\(warning)"]
            )
        }
        if learnt.timedOut {
            logger.warning(
                "reading prometheus's history took longer than its deadline: the jobs not read to the end learn from their scrapes",
                metadata: ["deadline": "\(deadline)"]
            )
        }
    }

    /// Reads and replays the history up to `now`.
    func learn(now: Double) async -> Learnt {
        // No room under the series limit: nothing to read for.
        guard seriesLimit > 0 else { return Learnt(snapshot: StoreSnapshot(parameters: parameters, series: [])) }
        let replay = Replay(parameters: parameters, seriesLimit: seriesLimit, keep: keep)
        let source = PrometheusSource(
            url: url,
            timeout: requestTimeout,
            maxResponseBytes: maxResponseBytes,
            concurrency: 1,
            api: api
        )
        let (_, timedOut) = await withDeadline(deadline, clock: clock) {
            [transport, jobs, span, concurrency, samplesPerRequest, samplesPerJob] in
            let reader = await PrometheusHistoryReader(source: source, transport: transport).resolvingExternalLabels()
            await withTaskGroup(of: Void.self) { reads in
                var pending = jobs[...]
                func next() {
                    guard let job = pending.popFirst() else { return }
                    _ = reads.addTaskUnlessCancelled {
                        let interval = await Self.scrapeInterval(of: job.name, source, transport: transport)
                        if interval == nil { await replay.intervalUnknown(job.name) }
                        let reading = Reading(job, prometheusInterval: interval, span: span, now: now)
                        await Self.read(
                            reading,
                            reader,
                            samplesPerRequest: samplesPerRequest,
                            samplesPerJob: samplesPerJob,
                            into: replay
                        )
                    }
                }
                for _ in 0..<max(1, concurrency) { next() }
                while await reads.next() != nil { next() }
            }
        }
        var learnt = await replay.learnt(jobs.map(\.name))
        learnt.timedOut = timedOut
        return learnt
    }

    /// One job's history, oldest first, each answer replayed as it arrives while the next is asked for;
    /// a failure ends the job.
    private static func read(
        _ reading: Reading,
        _ reader: PrometheusHistoryReader,
        samplesPerRequest: Int,
        samplesPerJob: Int,
        into replay: Replay
    ) async {
        /// One request: `count` instants from the `index`th, from the first by index so no error builds
        /// up from window to window.
        struct Window {
            var index: Int
            var count: Int
        }
        let selector = reading.selector
        func bounds(_ window: Window) -> (start: Double, last: Double) {
            (
                reading.first + Double(window.index) * reading.step,
                reading.first + Double(window.index + window.count - 1) * reading.step
            )
        }
        func fetch(
            _ window: Window,
            _ reader: PrometheusHistoryReader
        ) async -> Result<(MetricHistory, HistoryReadStats), HistoryReadError> {
            let (start, last) = bounds(window)
            do throws(HistoryReadError) {
                return .success(
                    try await reader.readMeasured(
                        RangeQueryPlan(selectors: [selector], start: start, end: last, step: reading.step)
                    )
                )
            } catch {
                return .failure(error)
            }
        }
        var reader = reader
        // The series Prometheus holds at the last instant that this replica learns: the ones learnt (by
        // their labels' hash), and how many to size by.
        let live: Set<Int>
        switch await fetch(Window(index: reading.points - 1, count: 1), reader) {
        case .failure(let error):
            if !Task.isCancelled { await replay.failed(reading.job.name, error.description) }
            return
        case .success(let (history, stats)):
            reader.source.api = stats.api
            await replay.counted()
            await replay.warned(stats)
            let keep = replay.keep
            live = Set(history.series.lazy.filter { keep($0.labels) }.map(\.labels.hashValue))
        }
        guard !live.isEmpty else {
            await replay.finished(reading.job.name)
            return
        }
        guard live.count * reading.points <= samplesPerJob else {
            await replay.failed(
                reading.job.name,
                "\(live.count) series × \(reading.points) points: more than a backfill reads of a job (\(samplesPerJob) samples)"
            )
            return
        }
        // Lowered by every request found too heavy: the next are no larger.
        var ceiling = maximumPointsPerRequest
        var window = Window(index: 0, count: min(max(1, samplesPerRequest / live.count), ceiling, reading.points))
        var answer = await fetch(window, reader)
        // A read cut short by the deadline or a stop is no failure of the job's.
        while !Task.isCancelled {
            switch answer {
            case .failure(let error):
                if error.tooHeavy, window.count > 1 {
                    ceiling = window.count / 2
                    window.count = ceiling
                    answer = await fetch(window, reader)
                    continue
                }
                await replay.failed(reading.job.name, error.description)
                return
            case .success(let (history, stats)):
                // Settled: the next requests go straight to the API that answered.
                reader.source.api = stats.api
                await replay.warned(stats)
                let (start, last) = bounds(window)
                let after = window.index + window.count
                guard after < reading.points else {
                    await replay.take(history, of: reading, admitting: live, from: start, through: last)
                    await replay.finished(reading.job.name)
                    return
                }
                let size = max(1, samplesPerRequest / live.count)
                let following = Window(index: after, count: min(size, ceiling, reading.points - after))
                // Prometheus answers the next while this one is replayed.
                let settled = reader
                async let next = fetch(following, settled)
                await replay.take(history, of: reading, admitting: live, from: start, through: last)
                window = following
                answer = await next
            }
        }
    }

    /// The longest scrape interval Prometheus uses for `job`'s active targets, up to
    /// ``longestPrometheusInterval``; nil where it does not say (an older server, a proxy, a store that
    /// only receives remote writes, an answer over 16 MiB). Asked for the job's scrape pool alone (a
    /// Prometheus older than 2.42 ignores the parameter and lists every target).
    static func scrapeInterval(
        of job: String,
        _ source: PrometheusSource,
        transport: any HTTPTransport
    ) async
        -> Double?
    {
        let pool = job.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        guard
            let targets = await source.data(
                of: "/api/v1/targets?state=active&scrapePool=\(pool)",
                transport: transport
            )?[
                "activeTargets"
            ] as? [[String: Any]]
        else { return nil }
        let intervals = targets.compactMap { target -> Double? in
            guard (target["labels"] as? [String: Any])?["job"] as? String == job,
                let interval = (target["scrapeInterval"] as? String).flatMap(DurationSyntax.seconds),
                interval > 0, interval <= longestPrometheusInterval
            else { return nil }
            return interval
        }
        return intervals.max()
    }

    /// The detectors being taught, one answer at a time, each job in a store of its own: a job that is
    /// not read to the end takes no room from one that is.
    private actor Replay {
        let parameters: EnsembleParameters
        let seriesLimit: Int
        let keep: @Sendable ([String: String]) -> Bool
        var stores: [String: SeriesStore] = [:]
        var points = 0
        var requests = 0
        /// Each job's most series refused by one answer (the same series are in each of its answers).
        var refused: [String: Int] = [:]
        var failures: [String: String] = [:]
        /// The jobs read to the end.
        var finished: Set<String> = []
        var intervalsUnknown: [String] = []
        var warnings: [String] = []

        init(parameters: EnsembleParameters, seriesLimit: Int, keep: @escaping @Sendable ([String: String]) -> Bool) {
            self.parameters = parameters
            self.seriesLimit = seriesLimit
            self.keep = keep
        }

        /// One answer for `reading`'s job over `[start, last]`, its points a step apart, of which the
        /// series in `live` (by their labels' hash) are learnt.
        func take(
            _ history: MetricHistory,
            of reading: Reading,
            admitting live: Set<Int>,
            from start: Double,
            through last: Double
        ) {
            requests += 1
            let job = reading.job.name
            let store = stores[job] ?? SeriesStore(parameters: parameters)
            stores[job] = store
            var refusedHere = 0
            for series in history.series where live.contains(series.labels.hashValue) {
                let role = series.sampleRole
                // A histogram's buckets are left to the rules, as a scrape leaves them.
                guard role != .skipped, keep(series.labels) else { continue }
                let pairs = series.labels.map { (name: $0.key, value: $0.value) }
                guard let ref = store.admit(pairs, role: role, limit: seriesLimit) else {
                    refusedHere += 1
                    continue
                }
                // The window asked for only (the times ascend): a point past it (a broken answer, a clock
                // ahead) would set a counter's time beyond the scrapes to come, which would all be ignored.
                let from = series.times.firstIndex { $0 >= start } ?? series.times.count
                let to = max(from, (series.times.lastIndex { $0 <= last } ?? -1) + 1)
                store.observe(
                    contentsOf: (from..<to).lazy.map {
                        Observation(series: ref, value: series.values[$0], timestamp: series.times[$0])
                    },
                    interval: reading.step
                )
                points += to - from
            }
            refused[job] = max(refused[job] ?? 0, refusedHere)
        }

        /// A request answered that replays nothing (a job's census).
        func counted() { requests += 1 }

        func failed(_ job: String, _ error: String) { failures[job] = error }

        func finished(_ job: String) { finished.insert(job) }

        func intervalUnknown(_ job: String) { intervalsUnknown.append(job) }

        /// Prometheus's warnings of one answer, kept up to ``HistoryReadStats/keptWarnings`` in all.
        func warned(_ stats: HistoryReadStats) {
            warnings = HistoryReadStats.warnings(warnings, adding: stats.warnings)
        }

        /// What the jobs read to the end learnt, in `jobs`' order up to the series limit; a counter's
        /// rate cleared.
        func learnt(_ jobs: [String]) -> Learnt {
            var series: [StoreSnapshot.Series] = []
            var unfinished = 0
            var refusedAtLimit = 0
            for job in jobs {
                guard let learnt = stores[job]?.snapshot().series else { continue }
                guard finished.contains(job) else {
                    unfinished += learnt.count
                    continue
                }
                let room = max(0, seriesLimit - series.count)
                series += learnt.prefix(room)
                refusedAtLimit += max(0, learnt.count - room)
            }
            for index in series.indices where series[index].role == .cumulative {
                series[index].rate = CounterRate()
            }
            return Learnt(
                snapshot: StoreSnapshot(parameters: parameters, series: series),
                points: points,
                requests: requests,
                refused: refused.values.reduce(0, +) + refusedAtLimit,
                unfinished: unfinished,
                failures: failures,
                intervalsUnknown: intervalsUnknown,
                warnings: warnings
            )
        }
    }
}

extension DetectorBackfill.Reading {
    /// Reads `job` at its interval, no finer than `prometheusInterval` nor 1 s (`query_range`'s finest),
    /// over `span` grown by the step's ratio to the interval, ending a step or more before `now`. The
    /// first scrape then comes at least a step after the history's last point, spaced as the history
    /// was: a detector paces its counts by each sample's spacing, and a first scrape 2 s after the last
    /// point was judged as a sample of a series scraped every 2 s (its baselines trusted after 1,500
    /// samples, and, until ``RecordRatio`` counted its warm-up in time, its warm-up 45,000 samples off).
    /// Where Prometheus scrapes at another interval, the step is the least whole number of its intervals
    /// that is at least the job's (the type's "The step" says why).
    init(_ job: DetectorBackfill.Job, prometheusInterval: Double?, span: Double, now: Double) {
        self.job = job
        if let prometheusInterval, prometheusInterval > 0 {
            step = prometheusInterval * (max(job.interval, 1) / prometheusInterval).rounded(.up)
        } else {
            step = max(job.interval, 1)
        }
        let span = min(DetectorBackfill.maximumSpan, span * step / job.interval)
        let end = (now / step).rounded(.down) * step - step
        points = Int((span / step).rounded(.down)) + 1
        first = end - Double(points - 1) * step
    }
}
