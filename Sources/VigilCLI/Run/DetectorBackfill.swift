import Foundation
import Logging
import VigilCore
import VigilEngine
import VigilHTTP
import VigilHistory
import VigilRules
import VigilScrape

/// `prometheus_url:` at a fresh start (no checkpoint taken back): each scrape job's series as
/// Prometheus recorded them over the last `detection.backfill` (26 hours by default), replayed through
/// detectors with the daemon's settings and handed to the scrape manager as a checkpoint would be. A
/// new daemon then judges its first scrape instead of warming up for 25 hours.
///
/// Read at the job's scrape interval: a detector's counts (its warm-up, when a bin is trusted) mean
/// that many samples at the spacing it is judged at (``PacedSettings``), so a history read five
/// minutes apart would leave a detector scraped every 15 s warming up for most of a day more.
/// Remote read where Prometheus offers it (raw samples, compressed, stepped here), else `query_range`.
/// Read oldest first, a job at a time and a window of 720 points at a time, so each answer is small
/// and the points of a series reach its detector in order. A series is read as a scrape would read it
/// (a counter by its rate, its first rate after a reset skipped): ``MetricHistory/Series/sampleRole``
/// guesses the role from the name, since Prometheus's answers carry no type, and a series the first
/// scrape types otherwise starts over (``SeriesStore/register(_:role:)``). What the history raised is
/// not reported: those are old news.
///
/// Bounded: each request by a timeout and a body cap, the series by the store's limit, the whole by a
/// deadline (the daemon is not ready until it is over). A job whose read fails keeps what it learnt
/// before the failure and the other jobs go on; at the deadline everything learnt so far is kept.
struct DetectorBackfill {
    /// A scrape job, read with `{job="…"}` (Prometheus labels a job's series so when it scrapes them
    /// with the same configuration) every `interval`.
    struct Job: Equatable, Sendable {
        var name: String
        var interval: Double
    }

    var url: String
    var jobs: [Job]
    /// How far back the detectors learn from.
    var span: Double
    var parameters: EnsembleParameters
    /// At most this many series are learnt (the scrape manager's limit).
    var seriesLimit: Int
    /// Which series this replica learns, by their labels (its shard's targets); the others are not read
    /// into a detector.
    var keep: @Sendable ([String: String]) -> Bool = { _ in true }
    var transport: any HTTPTransport = CurlHTTPClient()
    var requestTimeout: Double = 30
    var maxResponseBytes = 64 << 20
    /// Jobs read at once.
    var concurrency = 4
    var api = HistoryAPI.auto
    var deadline: Duration = .seconds(120)
    var clock: any _Concurrency.Clock<Duration> = ContinuousClock()
    /// Points per series and request: three hours at 15 s.
    static let pointsPerWindow = 720

    /// What the detectors learnt, as a checkpoint holds it, and how the reading went.
    struct Learnt {
        var snapshot: StoreSnapshot
        var points = 0
        /// Requests answered.
        var requests = 0
        /// Series left out at the series limit.
        var refused = 0
        /// Each failed job's first error.
        var failures: [String: String] = [:]
        var timedOut = false
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
        let learnt = await learn(now: now)
        let taken = await manager.restore(learnt.snapshot)
        var metadata: Logger.Metadata = [
            "series": "\(taken ? learnt.snapshot.series.count : 0)", "points": "\(learnt.points)",
            "requests": "\(learnt.requests)", "took": "\(ContinuousClock.now - started)",
        ]
        if learnt.refused > 0 { metadata["refused_at_series_limit"] = "\(learnt.refused)" }
        logger.info("detectors learnt from prometheus's history", metadata: metadata)
        for (job, error) in learnt.failures.sorted(by: { $0.key < $1.key }) {
            logger.warning(
                "reading a job's history from prometheus failed: its series keep what was read before, and learn the rest from their scrapes",
                metadata: ["job": "\(job)", "error": "\(error)"]
            )
        }
        if learnt.timedOut {
            logger.warning(
                "reading prometheus's history took longer than its deadline: what was read is kept, the rest is learnt from the scrapes",
                metadata: ["deadline": "\(deadline)"]
            )
        }
    }

    /// Reads and replays the history up to `now`.
    func learn(now: Double) async -> Learnt {
        let replay = Replay(parameters: parameters, seriesLimit: seriesLimit, keep: keep)
        let reader = PrometheusHistoryReader(
            source: PrometheusSource(
                url: url,
                timeout: requestTimeout,
                maxResponseBytes: maxResponseBytes,
                concurrency: 1,
                api: api
            ),
            transport: transport
        )
        let timedOut = await withTaskGroup(of: Bool.self) { [clock, deadline, jobs, concurrency, span] group in
            group.addTask {
                await withTaskGroup(of: Void.self) { reads in
                    var pending = jobs[...]
                    func next() {
                        guard let job = pending.popFirst() else { return }
                        reads.addTask { await Self.read(job, span: span, now: now, reader: reader, into: replay) }
                    }
                    for _ in 0..<max(1, concurrency) { next() }
                    while await reads.next() != nil { next() }
                }
                return false
            }
            group.addTask {
                try? await clock.sleep(for: deadline)
                return true
            }
            // The first to finish decides; the other is cancelled (the reads' requests with it).
            let first = await group.next() ?? true
            group.cancelAll()
            return first
        }
        var learnt = await replay.learnt
        learnt.timedOut = timedOut
        return learnt
    }

    /// One job's history in windows, oldest first, each replayed as it arrives; the first failure ends
    /// the job.
    private static func read(
        _ job: Job,
        span: Double,
        now: Double,
        reader: PrometheusHistoryReader,
        into replay: Replay
    ) async {
        let step = job.interval
        let selector = SeriesSelector.promQL(matching: [("job", job.name)])
        // On the step's grid: the instants a scrape every `step` would have taken. Cut here rather than
        // by one plan of the whole span, which would read a span of more than 11,000 steps coarser.
        let end = (now / step).rounded(.down) * step
        var start = end - (span / step).rounded(.down) * step
        while start <= end {
            let last = min(end, start + Double(pointsPerWindow - 1) * step)
            defer { start = last + step }
            guard !Task.isCancelled else { return }
            do throws(HistoryReadError) {
                let history = try await reader.read(
                    RangeQueryPlan(selectors: [selector], start: start, end: last, step: step)
                )
                guard !Task.isCancelled else { return }
                await replay.take(history)
            } catch {
                // A read cut short by the deadline is no failure of the job's.
                if !Task.isCancelled { await replay.failed(job.name, error.description) }
                return
            }
        }
    }

    /// The detectors being taught, one job's answer at a time.
    private actor Replay {
        let store: SeriesStore
        let seriesLimit: Int
        var points = 0
        var requests = 0
        /// The refused series, by their labels' hash: each is in every window's answer.
        var refused: Set<Int> = []
        var failures: [String: String] = [:]

        let keep: @Sendable ([String: String]) -> Bool

        init(parameters: EnsembleParameters, seriesLimit: Int, keep: @escaping @Sendable ([String: String]) -> Bool) {
            store = SeriesStore(parameters: parameters)
            self.seriesLimit = seriesLimit
            self.keep = keep
        }

        func take(_ history: MetricHistory) {
            requests += 1
            for series in history.series {
                let role = series.sampleRole
                // A histogram's buckets are left to the rules, as a scrape leaves them.
                guard role != .skipped, keep(series.labels) else { continue }
                let pairs = series.labels.map { (name: $0.key, value: $0.value) }
                let labels: LabelSet
                // At the limit only a series learnt from an earlier window goes on; looked up without
                // interning, so a refused series leaves no label values behind.
                if let known = LabelSet(existing: pairs, symbols: store.symbols), store.ref(of: known) != nil {
                    labels = known
                } else if store.count < seriesLimit {
                    labels = LabelSet(pairs, symbols: store.symbols)
                } else {
                    refused.insert(series.labels.hashValue)
                    continue
                }
                let ref = store.register(labels, role: role)
                for (time, value) in zip(series.times, series.values) {
                    store.observe(ref, value: value, at: time)
                }
                points += series.times.count
            }
        }

        func failed(_ job: String, _ error: String) { failures[job] = error }

        var learnt: Learnt {
            Learnt(
                snapshot: store.snapshot(),
                points: points,
                requests: requests,
                refused: refused.count,
                failures: failures
            )
        }
    }
}
