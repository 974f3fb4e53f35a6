import CoreMetrics
import Foundation
import Logging
import VigilCore
import VigilHTTP

/// Scrapes every target on its own schedule and feeds what it gets into one ``SeriesStore``: the
/// scraping pipeline of `vigil run`.
///
/// One loop per target sleeps until the target's phase in its interval (spread like Prometheus's), then
/// scrapes every interval; a tick missed because a scrape ran long is skipped, not bunched. HTTP runs
/// concurrently (libcurl's multi handle); parsing, labelling and detection run on this actor, one
/// scrape at a time, so the store needs no lock and a sample costs no synchronisation.
public actor ScrapeManager {
    /// One target's scraper and what the pipeline remembers of its series.
    final class TargetState {
        let id: Int
        /// The target as configured (its scraper may hold a copy with the sample limit lifted).
        let target: ScrapeTarget
        var scraper: TargetScraper
        let labeler: SeriesLabeler
        /// Cache reference → store reference + 1; 0 until mapped, `dropped` when relabelling dropped it,
        /// `refused` when the store was full (what a ``ScrapeBatch`` reads).
        var storeRefs: [UInt32] = []
        var synthetic: (up: StoreRef, duration: StoreRef, samples: StoreRef)
        var health: TargetHealth
        /// Stored series of this target's earlier caches (renewed by garbage collection or the series
        /// limit) that the current cache has not mapped again, each with how many of the target's scrapes
        /// before the renewal it was last seen: garbage collection ages them on from there, so a renewed
        /// cache shortens no series's retention.
        var carried: [(ref: StoreRef, age: UInt32)] = []
        /// Those the last scrape before the renewal exposed: the first scrape after it marks stale the ones
        /// it lacks (all of them, when it fails), as the old cache would have.
        var unsettled: [StoreRef] = []
        /// How many series the cache held after the last scrape was taken in: what a failed scrape added
        /// beyond it is junk (``ScrapeManager/ingest(_:from:at:)``).
        var cachedSeries = 0

        static var dropped: UInt32 { ScrapeBatch.notStored }
        static var refused: UInt32 { ScrapeBatch.refusedByStore }

        /// The store series an entry of `storeRefs` names; nil for unmapped, dropped and refused.
        static func series(_ mapped: UInt32) -> StoreRef? {
            mapped == 0 || mapped >= refused ? nil : StoreRef(index: mapped - 1)
        }

        var syntheticSeries: [StoreRef] { [synthetic.up, synthetic.duration, synthetic.samples] }

        init(id: Int, target: ScrapeTarget, scraper: TargetScraper, store: SeriesStore) {
            self.target = target
            self.id = id
            self.scraper = scraper
            labeler = SeriesLabeler(target: target)
            let targetLabels = target.targetLabels
            func register(_ name: String) -> StoreRef {
                store.register(LabelSet([("__name__", name)] + targetLabels, symbols: store.symbols), role: .gauge)
            }
            synthetic = (register("up"), register("scrape_duration_seconds"), register("scrape_samples_scraped"))
            health = TargetHealth(
                url: target.displayURL,
                labels: Dictionary(uniqueKeysWithValues: targetLabels.map { ($0.name, $0.value) }),
                health: "unknown",
                lastError: "",
                lastScrape: 0,
                lastScrapeDuration: 0,
                samplesScraped: 0
            )
        }
    }

    public let store: SeriesStore
    private let transport: any HTTPTransport
    private let wallClock: @Sendable () -> Double
    /// How long a series no target exposes any more keeps its learnt state before it is removed.
    public let seriesRetention: Double
    /// The most series the store may hold (the targets' `up` and `scrape_*` series are always let in):
    /// what bounds memory, checkpoint size and restore time when targets churn out new series. A new
    /// series beyond it is refused (not stored, not scored) and counted, as Prometheus counts the
    /// scrapes that exceed `sample_limit`; series already held go on being scored.
    public let seriesLimit: Int
    /// The default ``seriesLimit``: about 600 bytes a series in memory (README's measurement) keeps
    /// the daemon well under 1 GB.
    public static let defaultSeriesLimit = 1_000_000
    /// New series refused in the scrape being ingested.
    private var refusedInScrape = 0
    /// Whether a checkpoint is still to be restored: no scrape runs, and the daemon is not ready,
    /// until ``finishRestoring()`` (the HTTP server answers `/healthz` meanwhile).
    public private(set) var isRestoring: Bool
    /// Ends when restoring is over; waiting on it ends at cancellation too (a stop during a restore).
    private let restored = AsyncStream<Void>.makeStream()
    private var states: [TargetState] = []
    /// Series a checkpoint brought back, and when (``wallClock``): live for the retention after it as a
    /// scraped series is after its last scrape, whether or not a target maps them yet. Without this
    /// the first collection dropped every one no scrape had mapped again: a target down at the restart,
    /// one scraped less often than the collection runs, one discovery finds later.
    private var fromCheckpoint: (refs: [StoreRef], at: Double) = ([], 0)
    private var nextID = 0
    /// Targets an update added, whose loops ``run()`` starts.
    private var newLoops: AsyncStream<Int>.Continuation?
    /// The targets whose loop runs: one loop a target, however an update and ``run()`` interleave.
    private var looping: Set<Int> = []
    /// Who also gets the raw samples of the series it admits (the diagnosis recorder); nil: nobody.
    var sampleSink: (any SampleSink)?
    /// Store reference → the sink's handle + 1; 0 until the sink was asked, `.max` when it declined.
    var sinkHandles: [UInt32] = []
    /// Reused from scrape to scrape, so a scrape allocates no buffer for the sink.
    var sinkSamples: [SampleSinkSample] = []
    private let metrics: Metrics
    /// Tells when a target goes down and comes back (each failed scrape is in `/api/v1/targets`).
    private let logger: Logger

    /// Vigil's own scrape metrics (`/metrics`).
    private struct Metrics {
        let successes, failures, samples, removed, refused, exceeded, exceededLabelLimits: Counter
        let series, anomalies: Gauge
        let ingest: CoreMetrics.Timer

        init(_ factory: any MetricsFactory) {
            successes = Counter(label: "vigil_scrapes_total", dimensions: [("result", "success")], factory: factory)
            failures = Counter(label: "vigil_scrapes_total", dimensions: [("result", "failure")], factory: factory)
            samples = Counter(label: "vigil_samples_scraped_total", factory: factory)
            series = Gauge(label: "vigil_series", factory: factory)
            removed = Counter(label: "vigil_series_removed_total", factory: factory)
            anomalies = Gauge(label: "vigil_anomalies", factory: factory)
            ingest = CoreMetrics.Timer(
                label: "vigil_scrape_ingest_seconds",
                preferredDisplayUnit: .seconds,
                factory: factory
            )
            refused = Counter(label: "vigil_series_refused_total", factory: factory)
            exceeded = Counter(label: "vigil_target_scrapes_exceeded_series_limit_total", factory: factory)
            exceededLabelLimits = Counter(
                label: "vigil_target_scrapes_exceeded_label_limits_total",
                factory: factory
            )
        }
    }

    /// `wallClock` gives seconds since the epoch: the time of samples without their own timestamp.
    public init(
        targets: [ScrapeTarget],
        transport: any HTTPTransport,
        store: SeriesStore,
        seriesRetention: Double = 3600,
        seriesLimit: Int = ScrapeManager.defaultSeriesLimit,
        restoring: Bool = false,
        wallClock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        metrics: any MetricsFactory = MetricsSystem.factory,
        logger: Logger = Logger(label: "vigil.scrape", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.logger = logger
        self.metrics = Metrics(metrics)
        self.store = store
        isRestoring = restoring
        self.seriesRetention = seriesRetention
        self.seriesLimit = seriesLimit
        self.transport = transport
        self.wallClock = wallClock
        states = targets.enumerated().map {
            Self.makeState(id: $0.offset + 1, target: $0.element, transport: transport, store: store)
        }
        nextID = targets.count
    }

    private static func makeState(
        id: Int,
        target: ScrapeTarget,
        transport: any HTTPTransport,
        store: SeriesStore
    ) -> TargetState {
        TargetState(
            id: id,
            target: target,
            scraper: makeScraper(target, transport: transport, store: store),
            store: store
        )
    }

    private static func makeScraper(
        _ target: ScrapeTarget,
        transport: any HTTPTransport,
        store: SeriesStore
    ) -> TargetScraper {
        var scraped = target
        if judgesSampleLimit(target) { scraped.sampleLimit = 0 }
        return TargetScraper(
            target: scraped,
            transport: transport,
            cache: SeriesCache(),
            clock: { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
        )
    }

    /// Whether the manager, not the scraper, judges `target`'s `sample_limit`. With metric relabelling it
    /// counts the samples relabelling keeps, as Prometheus counts them; with label limits, Prometheus reads
    /// on past the sample limit, and a series over a label limit anywhere in the body fails the scrape with
    /// its own error. Then the scraper must not cut earlier (the body size limit bounds the read).
    static func judgesSampleLimit(_ target: ScrapeTarget) -> Bool {
        !target.metricRelabeling.isEmpty || target.labelLimits != .none
    }

    /// The targets being scraped.
    public var targets: [ScrapeTarget] { states.map(\.target) }

    /// Ready once learnt state is restored and every target has been scraped at least once
    /// (successfully or not).
    public var isReady: Bool { !isRestoring && states.allSatisfy { $0.health.health != "unknown" } }

    /// Restoring is over (whether a checkpoint was taken back or not): scraping may begin.
    public func finishRestoring() {
        isRestoring = false
        restored.continuation.finish()
    }

    public var health: [TargetHealth] { states.map(\.health) }

    /// How many series the store holds (synthetic ones included).
    public var seriesCount: Int { store.count }

    /// How many series each target's series cache holds, in target order: what bounds a target's
    /// memory besides the store.
    public var cachedSeriesCounts: [Int] { states.map(\.scraper.cache.seriesCount) }
    /// How many spellings of them each target's cache holds.
    public var cachedSpellingCounts: [Int] { states.map(\.scraper.cache.keyCount) }

    /// Replaces the target list (a reload). A target that is still configured identically keeps its
    /// scraper and series; one changed only in how it is scraped (``ScrapeTarget/scrapesTheSameSeries(as:)``:
    /// interval, timeout, limits, TLS, credentials) gets a new scraper and loop but keeps its series
    /// unbroken, its next scrape judging which are gone, as Prometheus keeps a reusable cache; a removed
    /// target's series are marked stale, at once. Learnt state is never dropped.
    public func update(targets: [ScrapeTarget]) {
        var kept: [TargetState] = []
        // Looked up by URL and job, not searched: discovery calls this on every pod event, with
        // thousands of targets.
        var remaining = Dictionary(grouping: states) { $0.target.url + "|" + $0.target.job }
        for target in targets {
            let key = target.url + "|" + target.job
            var same = remaining[key] ?? []
            if let index = same.firstIndex(where: { $0.target == target }) {
                kept.append(same.remove(at: index))
            } else {
                nextID += 1
                let predecessor = same.firstIndex { $0.target.scrapesTheSameSeries(as: target) }.map {
                    same.remove(at: $0)
                }
                kept.append(
                    predecessor.map { successor(of: $0, id: nextID, target: target) }
                        ?? Self.makeState(id: nextID, target: target, transport: transport, store: store)
                )
                newLoops?.yield(nextID)
            }
            remaining[key] = same
        }
        for removed in remaining.values.joined().sorted(by: { $0.id < $1.id }) { markAllStale(removed) }
        states = kept
    }

    /// Scrapes every target on schedule until the task is cancelled. A target an ``update`` adds gets its
    /// loop; a removed one's loop ends at its next turn; the others go on undisturbed (restarting every
    /// loop at each discovery event cut off the scrapes in flight, and one slower than the events never
    /// finished). Begins once restoring is over: a scrape before would be overwritten by the checkpoint's
    /// state.
    public func run() async {
        if isRestoring {
            for await _ in restored.stream {}
        }
        let (added, continuation) = AsyncStream<Int>.makeStream()
        newLoops = continuation
        // Discarding: the loop of a removed target is freed when it ends, not kept until the run's end.
        await withDiscardingTaskGroup { group in
            for id in states.map(\.id) { group.addTask { await self.loop(id) } }
            group.addTask { await self.collectGarbagePeriodically() }
            // Ends when the run is cancelled.
            for await id in added { group.addTask { await self.loop(id) } }
            group.cancelAll()
        }
        newLoops = nil
        continuation.finish()
    }

    private func collectGarbagePeriodically() async {
        let interval = Duration.seconds(min(300, max(1, seriesRetention / 2)))
        while true {
            do { try await Task.sleep(for: interval) } catch { return }
            collectGarbage(retention: seriesRetention)
        }
    }

    private func loop(_ id: Int) async {
        guard let target = states.first(where: { $0.id == id })?.target, looping.insert(id).inserted else { return }
        defer { looping.remove(id) }
        let clock = ContinuousClock()
        let interval = Duration.seconds(target.interval)
        var next = clock.now + .seconds(target.firstScrapeDelay(now: wallClock()))
        while true {
            do { try await clock.sleep(until: next) } catch { return }
            // An update removed the target (or replaced it with a changed one, which has a loop of its own).
            guard states.contains(where: { $0.id == id }) else { return }
            await scrape(id)
            next += interval
            while next < clock.now { next += interval }
        }
    }

    /// Scrapes every target once, now, in order (the first round of `vigil diagnose`, and tests).
    public func scrapeAll() async {
        for id in states.map(\.id) { await scrape(id) }
    }

    private func scrape(_ id: Int) async {
        guard let state = states.first(where: { $0.id == id }) else { return }
        let started = wallClock()
        let scraper = state.scraper
        let result = await scraper.scrape()
        // A reload may have removed the target, or garbage collection renewed its cache, meanwhile: the
        // result's series references would mean nothing now. A scrape cut off by the run's end (a stop) is
        // no scrape: neither a failure nor staleness.
        guard states.contains(where: { $0 === state }), state.scraper === scraper, !result.cancelled else { return }
        ingest(result, from: state, at: started)
    }

    private func ingest(_ scraped: ScrapeResult, from state: TargetState, at time: Double) {
        let started = DispatchTime.now().uptimeNanoseconds
        // Judged below (the label and sample limits may fail it), and counted as judged.
        var result = scraped
        defer {
            metrics.ingest.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
            (result.up ? metrics.successes : metrics.failures).increment()
            // What a failed scrape parsed is reported in its `scrape_samples_scraped`, not counted here.
            metrics.samples.increment(by: result.up ? result.samplesScraped : 0)
            metrics.series.record(store.count)
            metrics.anomalies.record(store.anomalies.count)
        }
        refusedInScrape = 0
        let (kept, overLabelLimit) = resolve(result.samples, of: state)
        let limit = state.target.sampleLimit
        if result.up, let overLabelLimit {
            // A new series over a label limit fails the whole scrape, as in Prometheus, whose error wins
            // over the sample limit's, and which stops reading at that series's first sample: it counts
            // the samples up to it in `scrape_samples_scraped`.
            let read = (result.samples.firstIndex { $0.series == overLabelLimit.series } ?? 0) + 1
            result = .failure(overLabelLimit.why, duration: result.duration, samplesScraped: read)
            metrics.exceededLabelLimits.increment()
            markSeriesStale(state)
        } else if result.up, limit > 0, kept > limit {
            // Over the limit after relabelling: the whole scrape fails, nothing of it is kept.
            result = .failure("sample limit exceeded", duration: result.duration, samplesScraped: result.samplesScraped)
            markSeriesStale(state)
        }
        let batch = ScrapeBatch(
            samples: result.samples,
            storeRefs: state.storeRefs,
            time: time,
            interval: state.target.interval
        )
        store.observe(batch)
        if !result.stale.isEmpty {
            // Two series of the target can be one store series (an empty label value is no label, and
            // relabelling may drop the label that told them apart): one gone while the other gave this
            // scrape's sample is not stale, as Prometheus judges staleness after relabelling.
            let gone = result.stale.compactMap { storeRef($0, of: state) }
            let stale = unexposed(Set(gone.map(\.index)), result, of: state)
            for ref in gone where stale.contains(ref.index) { store.markStale(ref) }
        }
        if !state.unsettled.isEmpty { settle(state, after: result) }
        store.observe(state.synthetic.up, value: result.up ? 1 : 0, at: time)
        store.observe(state.synthetic.duration, value: result.duration, at: time)
        store.observe(state.synthetic.samples, value: Double(result.samplesScraped), at: time)
        if let sampleSink { forward(batch, state: state, result: result, at: time, to: sampleSink) }
        logChange(of: state, to: result)
        state.health.health = result.up ? "up" : "down"
        state.health.lastError = result.error ?? ""
        state.health.lastScrape = time
        state.health.lastScrapeDuration = result.duration
        state.health.samplesScraped = result.samplesScraped
        if refusedInScrape > 0 { refuse(refusedInScrape, state: state) }
        if !result.up, state.scraper.cache.seriesCount > state.cachedSeries {
            dropWhatAFailedScrapeAdded(state)
        }
        // Every new spelling of a known series adds a key to the cache and none leaves: a target that
        // re-spells its series every scrape would grow it for ever. (Prometheus's scrape cache drops the
        // spellings a scrape did not use.) A fresh cache keeps only the next scrape's.
        let cache = state.scraper.cache
        if cache.keyCount > 2 * cache.seriesCount + Self.spareSpellings { renewCache(state) { _ in true } }
        state.cachedSeries = state.scraper.cache.seriesCount
    }

    /// A target's first failed scrape after it was up (or at its first scrape), and its first good one
    /// after: one line each, not one a scrape — a target down for a day would fill the log.
    private func logChange(of state: TargetState, to result: ScrapeResult) {
        let target = state.target
        let metadata: Logger.Metadata = ["job": "\(target.job)", "instance": "\(target.instanceLabel)"]
        switch (state.health.health, result.up) {
        case ("up", false), ("unknown", false):
            logger.warning(
                "target down: its series are not scored until it answers",
                metadata: metadata.merging(
                    ["url": "\(target.displayURL)", "error": "\(result.error ?? "")"],
                    uniquingKeysWith: { $1 }
                )
            )
        case ("down", true):
            logger.notice("target up again", metadata: metadata)
        default:
            break
        }
    }

    /// How many spellings beyond two a series a target's cache may keep before it is renewed.
    static let spareSpellings = 1_000

    /// A failed scrape that put series in the cache — a parse cut off by a bad line or a timeout, a scrape
    /// over a label or sample limit — leaves them with a fresh cache (none of them reached the store:
    /// ``resolve(_:of:)`` admits nothing of a scrape over a limit): a target that fails this way every
    /// scrape, with new series each time, must not grow. The series known before it keep their history
    /// (``renewCache(_:keeping:)``).
    private func dropWhatAFailedScrapeAdded(_ state: TargetState) {
        renewCache(state) { _ in true }
    }

    /// Maps a scrape's series to store series (`state.storeRefs`, what a ``ScrapeBatch`` reads): an array
    /// lookup per sample; labelling (target labels, relabelling, label limits) only for a series seen for
    /// the first time. Returns how many samples relabelling kept (over the sample limit, counted before the
    /// store's series limit refuses any, as Prometheus counts them), or the first new series that broke a
    /// label limit and why. With label limits, or a sample limit the manager judges (``judgesSampleLimit(_:)``), every
    /// new series is judged — labelled once, the limits applied — before any is admitted to the store, so a
    /// scrape that breaks one adds nothing to it (Prometheus rolls such a scrape back); the series it
    /// showed stay unmapped, to be judged again.
    private func resolve(
        _ samples: [ScrapeResult.Sample],
        of state: TargetState
    ) -> (kept: Int, overLabelLimit: (why: String, series: SeriesRef)?) {
        let cache = state.scraper.cache
        let known = cache.seriesCount
        if state.storeRefs.count < known {
            state.storeRefs.append(contentsOf: repeatElement(0, count: known - state.storeRefs.count))
        }
        // One pass over the samples, counting those of mapped series that relabelling kept and collecting
        // those of new ones: `unmapped` stays empty, and allocates nothing, on a scrape of known series.
        var kept = 0
        var unmapped: [SeriesRef] = []
        state.storeRefs.withUnsafeBufferPointer { refs in
            for sample in samples {
                switch refs[Int(sample.series.index)] {
                case 0: unmapped.append(sample.series)
                case TargetState.dropped: break
                default: kept += 1
                }
            }
        }
        guard !unmapped.isEmpty else { return (kept, nil) }
        let limits = state.target.labelLimits
        let sampleLimit = Self.judgesSampleLimit(state.target) ? state.target.sampleLimit : 0
        if limits != .none || sampleLimit > 0 {
            // By series (a series may be repeated in a body any number of times): whether relabelling
            // keeps it.
            var keeps: [UInt32: Bool] = [:]
            var keptNew = 0
            for series in unmapped {
                let keep: Bool
                if let known = keeps[series.index] {
                    keep = known
                } else {
                    let labels = state.labeler.label(cache.labels(of: series) ?? [])
                    if let labels, let why = limits.violation(labels) { return (0, (why, series)) }
                    keep = labels != nil
                    keeps[series.index] = keep
                }
                if keep { keptNew += 1 }
            }
            // Over the sample limit: the caller fails the scrape, and nothing of it is admitted.
            if sampleLimit > 0, kept + keptNew > sampleLimit { return (kept + keptNew, nil) }
        }
        // Each new series labelled (again) to be admitted, rather than every one's labels held at once (a
        // first scrape of a large target); a series twice in one scrape is mapped at its first sample.
        for series in unmapped where state.storeRefs[Int(series.index)] == 0 {
            let labels = state.labeler.label(cache.labels(of: series) ?? [])
            // The cache keeps a series's labels only until it is mapped, once.
            cache.forgetLabels(of: series)
            var mapped = TargetState.dropped
            if let labels {
                // At the limit only a series the store holds gets in; one refused still counts towards the
                // sample limit, as every sample relabelling keeps does.
                if let ref = store.admit(labels, role: state.scraper.role(of: series), limit: seriesLimit) {
                    mapped = ref.index + 1
                } else {
                    mapped = TargetState.refused
                    refusedInScrape += 1
                }
            }
            state.storeRefs[Int(series.index)] = mapped
        }
        // Each sample of a new series, as each of a known one.
        for series in unmapped where state.storeRefs[Int(series.index)] != TargetState.dropped { kept += 1 }
        return (kept, nil)
    }

    /// Counts a scrape's refused series. A target whose cache holds more series than the store may
    /// (one that churns out new series every scrape) gets a fresh cache: the refused series would
    /// otherwise pile up in it, each scrape's on top of the last. Its series that are stored keep their
    /// state; the next scrape labels them afresh.
    private func refuse(_ count: Int, state: TargetState) {
        metrics.refused.increment(by: count)
        metrics.exceeded.increment()
        if state.scraper.cache.seriesCount > seriesLimit { renewCache(state) { _ in true } }
    }

    /// The first scrape after a target's cache was renewed marks stale the series the scrape before the
    /// renewal exposed and this one lacks, all of them when it failed (the new cache knows none of them).
    private func settle(_ state: TargetState, after result: ScrapeResult) {
        let stale = unexposed(Set(state.unsettled.map(\.index)), result, of: state)
        for ref in state.unsettled where stale.contains(ref.index) { store.markStale(ref) }
        state.unsettled = []
    }

    /// Those of the store series `candidates` that the scrape gave no sample to. One pass over the
    /// samples, with lookups in the (small) set of candidates: no set of every series is built.
    private func unexposed(
        _ candidates: Set<UInt32>,
        _ result: ScrapeResult,
        of state: TargetState
    ) -> Set<UInt32> {
        var left = candidates
        for sample in result.samples {
            if left.isEmpty { break }
            if let ref = storeRef(sample.series, of: state) { left.remove(ref.index) }
        }
        return left
    }

    /// Gives a target a fresh series cache, carrying over what the old one knew of the stored series
    /// `kept` keeps (``TargetState/carried``, ``TargetState/unsettled``): the cache is renewed, not the
    /// target's history.
    private func renewCache(_ state: TargetState, keeping kept: (StoreRef) -> Bool) {
        (state.carried, state.unsettled) = carriedOver(state, keeping: kept)
        state.scraper = Self.makeScraper(state.target, transport: transport, store: store)
        state.storeRefs = []
        state.cachedSeries = 0
    }

    /// The state of `target`, reloaded with new scrape settings, taking over `state`'s series as a renewed
    /// cache does (its first scrape marks stale only those it lacks), and its health until then. Ages are
    /// counted in scrapes, so they are recounted at the new interval: a series gone for 45 s is 3 scrapes
    /// old at 15 s and 0 at 60 s, and garbage collection judges it against the new interval's window.
    private func successor(of state: TargetState, id: Int, target: ScrapeTarget) -> TargetState {
        let successor = Self.makeState(id: id, target: target, transport: transport, store: store)
        let (carried, unsettled) = carriedOver(state, keeping: { _ in true })
        let scale = state.target.interval / target.interval
        // Capped at half the range: garbage collection adds the scrapes since with a wrapping add.
        successor.carried = carried.map {
            (ref: $0.ref, age: UInt32(min(Double(UInt32.max / 2), (Double($0.age) * scale).rounded(.down))))
        }
        successor.unsettled = unsettled
        successor.health = state.health
        return successor
    }

    /// What a target's cache knew of the stored series `kept` keeps, to be carried past it: each series
    /// with how many scrapes ago it was last seen, and those the last scrape exposed.
    private func carriedOver(
        _ state: TargetState,
        keeping kept: (StoreRef) -> Bool
    ) -> (carried: [(ref: StoreRef, age: UInt32)], unsettled: [StoreRef]) {
        let scraper = state.scraper
        let scrapes = scraper.scrapeCount
        // By store series, the most recent sighting: a series carried from an earlier cache that this one
        // mapped again is carried once.
        var carried: [UInt32: UInt32] = [:]
        for entry in state.carried where kept(entry.ref) { carried[entry.ref.index] = entry.age &+ scrapes }
        var unsettled = Set(state.unsettled.filter(kept).map(\.index))
        for (index, mapped) in state.storeRefs.enumerated() {
            let seen = scraper.lastSeen(SeriesRef(index: UInt32(index)))
            guard let ref = TargetState.series(mapped), kept(ref), seen > 0 else { continue }
            carried[ref.index] = min(carried[ref.index] ?? .max, scrapes - seen)
            if seen == scrapes { unsettled.insert(ref.index) }
        }
        return (carried.map { (ref: StoreRef(index: $0.key), age: $0.value) }, unsettled.map { StoreRef(index: $0) })
    }

    /// The store reference of a series of a target's cache, when it has been mapped (stale marking).
    private func storeRef(_ series: SeriesRef, of state: TargetState) -> StoreRef? {
        let index = Int(series.index)
        return index < state.storeRefs.count ? TargetState.series(state.storeRefs[index]) : nil
    }

    /// Marks every scraped series of a target stale (not its synthetic ones).
    private func markSeriesStale(_ state: TargetState) {
        for ref in state.storeRefs.compactMap(TargetState.series) { store.markStale(ref) }
    }

    /// Removes the series no target has exposed for `retention` seconds (a target that is down keeps
    /// its series: its outage does not age them), and rebuilds the series cache of a target that had
    /// such dead series, or, once some are removed and there is room under the series limit, series the
    /// full store refused. Learnt state of every other series is untouched. Returns how many series were
    /// removed.
    @discardableResult
    public func collectGarbage(retention: Double) -> Int {
        var live = [Bool](repeating: false, count: store.count)
        for state in states {
            for ref in state.syntheticSeries { live[Int(ref.index)] = true }
            let scraper = state.scraper
            let window = UInt32(min(Double(UInt32.max), max(1, (retention / state.target.interval).rounded(.up))))
            let targetIsDown = state.health.health == "down"
            let oldest = scraper.scrapeCount > window ? scraper.scrapeCount - window : 0
            var dead = 0
            for (index, mapped) in state.storeRefs.enumerated() {
                let recent = targetIsDown || scraper.lastSeen(SeriesRef(index: UInt32(index))) > oldest
                if !recent { dead += 1 }
                if recent, let ref = TargetState.series(mapped) { live[Int(ref.index)] = true }
            }
            if !state.carried.isEmpty {
                // Carried series the current cache has mapped again are its own now.
                let mapped = Set(state.storeRefs.compactMap { TargetState.series($0)?.index })
                state.carried.removeAll { mapped.contains($0.ref.index) }
                for entry in state.carried where targetIsDown || entry.age &+ scraper.scrapeCount < window {
                    live[Int(entry.ref.index)] = true
                }
            }
            if dead > 0 {
                // The cache has given away the labels of these series: should one come back, only a
                // fresh cache can tell its labels again. Start afresh (the next scrape lexes and
                // relabels every series once; the store keeps what it learnt).
                renewCache(state) { live[Int($0.index)] }
            }
        }
        if !fromCheckpoint.refs.isEmpty {
            if wallClock() - fromCheckpoint.at < retention {
                for ref in fromCheckpoint.refs { live[Int(ref.index)] = true }
            } else {
                fromCheckpoint.refs = []
            }
        }
        let remap = store.compact { live[Int($0.index)] }
        fromCheckpoint.refs = fromCheckpoint.refs.compactMap { remap[Int($0.index)] }
        for state in states {
            state.storeRefs = state.storeRefs.map { mapped in
                guard let ref = TargetState.series(mapped) else { return mapped }
                return remap[Int(ref.index)].map { $0.index + 1 } ?? 0
            }
            state.synthetic = (
                remap[Int(state.synthetic.up.index)]!, remap[Int(state.synthetic.duration.index)]!,
                remap[Int(state.synthetic.samples.index)]!
            )
            state.carried = state.carried.compactMap { entry in
                remap[Int(entry.ref.index)].map { (ref: $0, age: entry.age) }
            }
            state.unsettled = state.unsettled.compactMap { remap[Int($0.index)] }
        }
        if !sinkHandles.isEmpty {
            var handles = [UInt32](repeating: 0, count: store.count)
            var released: [SampleSinkHandle] = []
            for (index, mapped) in sinkHandles.enumerated() {
                if let ref = remap[index] {
                    handles[Int(ref.index)] = mapped
                } else if mapped != 0, mapped != .max {
                    released.append(SampleSinkHandle(mapped - 1))
                }
            }
            sinkHandles = handles
            if !released.isEmpty { sampleSink?.release(released) }
        }
        let removed = remap.count - store.count
        if removed > 0, store.count < seriesLimit {
            // Room under the series limit: a target's series the full store refused are tried again. Its
            // cache gave their labels away, so only a fresh cache tells them again (the next scrape labels
            // every series of the target once, as after any renewal).
            for state in states where state.storeRefs.contains(TargetState.refused) {
                renewCache(state) { _ in true }
            }
        }
        metrics.removed.increment(by: removed)
        metrics.series.record(store.count)
        return removed
    }

    private func markAllStale(_ state: TargetState) {
        markSeriesStale(state)
        for ref in state.unsettled { store.markStale(ref) }
        for ref in state.syntheticSeries { store.markStale(ref) }
    }

    // MARK: - Reading the store

    /// Runs `body` on the store, on this actor, between two ingests: how readers (the anomalies API,
    /// the score exposition) see a consistent store without a lock on the hot path.
    public func withStore<Result: Sendable>(_ body: @Sendable (SeriesStore) -> Result) -> Result {
        body(store)
    }

    /// Everything learnt, for a checkpoint.
    public func snapshot() -> StoreSnapshot { store.snapshot() }

    /// Takes back a checkpoint's state, at most ``seriesLimit`` series of it (a checkpoint written under
    /// a higher limit, or none); false when it was learnt under other detector settings.
    public func restore(_ snapshot: StoreSnapshot) -> Bool {
        var kept = snapshot
        if snapshot.series.count > seriesLimit - store.count {
            kept.series.removeLast(snapshot.series.count - max(0, seriesLimit - store.count))
            metrics.refused.increment(by: snapshot.series.count - kept.series.count)
        }
        let before = store.count
        guard store.restore(kept) else { return false }
        fromCheckpoint = ((before..<store.count).map { StoreRef(index: UInt32($0)) }, wallClock())
        return true
    }
}
