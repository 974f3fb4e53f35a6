import CoreMetrics
import Foundation
import VigilCore
import VigilRules

/// The recent raw points of the series the rules look at: the daemon's ``MetricHistory``.
///
/// Attached to the scrape manager as its ``SampleSink``: each series is matched against the rules'
/// selectors once, when it first appears (a ratio rule's denominator counts as a selector too), and
/// only the series some rule selects are kept. Memory is bounded twice over: per series, points older
/// than ``Configuration/retention`` before the series's newest point and points beyond
/// ``Configuration/maxPointsPerSeries`` are dropped, oldest first; and at most
/// ``Configuration/maxSeries`` series are kept — a selected series beyond that is refused (and
/// counted in `vigil_recorder_series_refused_total`) until the rules are reloaded or it leaves the store.
/// With the defaults the points take at most 20,000 × 480 × 16 bytes ≈ 154 MB, plus the series's labels.
///
/// Written on the scrape manager's actor, read by the diagnosis service: its state is behind a lock.
public final class SignalRecorder: SampleSink, @unchecked Sendable {
    public struct Configuration: Sendable, Equatable {
        /// How far back a series's points are kept, from its newest point (seconds).
        public var retention: Double
        /// The most points a series keeps: 2 hours of a 15 s scrape. A faster scrape keeps less time.
        public var maxPointsPerSeries: Int
        /// The most series kept.
        public var maxSeries: Int

        public init(retention: Double = 7200, maxPointsPerSeries: Int = 480, maxSeries: Int = 20_000) {
            self.retention = retention
            self.maxPointsPerSeries = maxPointsPerSeries
            self.maxSeries = maxSeries
        }
    }

    /// One kept series: labels, type, and its points in a ring-like buffer (`start` is the oldest).
    private struct Recorded {
        var labels: [String: String]
        var type: MetricType
        var times: [Double] = []
        var values: [Double] = []
        var start = 0

        var count: Int { times.count - start }

        mutating func append(_ value: Double, at time: Double, configuration: Configuration) {
            if let last = times.last, time <= last { return }
            times.append(time)
            values.append(value)
            let oldest = time - configuration.retention
            while start < times.count, times[start] < oldest || count > configuration.maxPointsPerSeries {
                start += 1
            }
            // Drop the consumed prefix once it is as long as what is kept: amortised O(1) per point.
            if start > 0, start >= count {
                times.removeFirst(start)
                values.removeFirst(start)
                start = 0
            }
        }
    }

    private struct State {
        var selectors: [SeriesSelector] = []
        var series: [UInt32: Recorded] = [:]
        var handles: [[String: String]: UInt32] = [:]
        var nextHandle: UInt32 = 0
        var refused = 0
    }

    public let configuration: Configuration
    // An NSLock (a pthread mutex), not Synchronization's Mutex: ThreadSanitizer sees through the former
    // and reports the latter's futex-guarded state as racing. Every read and write of `state` holds it.
    private let lock = NSLock()
    private var state = State()
    private let metrics = (
        series: Gauge(label: "vigil_recorder_series"),
        refused: Counter(label: "vigil_recorder_series_refused_total")
    )

    private func withState<Result>(_ body: (inout State) -> Result) -> Result {
        lock.withLock { body(&state) }
    }

    public init(rules: RuleSet = RuleSet(), configuration: Configuration = Configuration()) {
        self.configuration = configuration
        select(rules)
    }

    /// The selectors of `rules` (each rule's, and each ratio's denominator): what is recorded, and what
    /// `vigil diagnose --prometheus` and the start-up backfill ask Prometheus for.
    public static func selectors(of rules: RuleSet) -> [SeriesSelector] {
        rules.signals.flatMap { rule -> [SeriesSelector] in
            if case .ratio(let denominator) = rule.transform { return [rule.selector, denominator] }
            return [rule.selector]
        }
    }

    /// Takes new rules: series no selector matches any more are dropped; the rest keep their points
    /// and handles. Tell the scrape manager to reselect afterwards, so new series are asked again.
    public func select(_ rules: RuleSet) {
        let selectors = Self.selectors(of: rules)
        let count = withState { state in
            state.selectors = selectors
            for (handle, recorded) in state.series where !selectors.contains(where: { $0.matches(recorded.labels) }) {
                state.series[handle] = nil
                state.handles[recorded.labels] = nil
            }
            state.refused = 0
            return state.series.count
        }
        metrics.series.record(count)
    }

    public func admit(labels: [String: String], role: SampleRole) -> SampleSinkHandle? {
        let (handle, count, refused) = withState { state -> (UInt32?, Int, Bool) in
            if let known = state.handles[labels] { return (known, state.series.count, false) }
            guard state.selectors.contains(where: { $0.matches(labels) }) else {
                return (nil, state.series.count, false)
            }
            guard state.series.count < configuration.maxSeries else {
                state.refused += 1
                return (nil, state.series.count, true)
            }
            let handle = state.nextHandle
            // Handles are never reused, so a stale one (after a reselection) finds nothing; they wrap
            // only after four billion series.
            state.nextHandle = state.nextHandle >= UInt32.max - 2 ? 0 : state.nextHandle + 1
            state.handles[labels] = handle
            state.series[handle] = Recorded(labels: labels, type: Self.type(of: labels["__name__"] ?? "", role: role))
            return (handle, state.series.count, false)
        }
        metrics.series.record(count)
        if refused { metrics.refused.increment() }
        return handle.map(SampleSinkHandle.init)
    }

    public func record(_ samples: [SampleSinkSample]) {
        let configuration = self.configuration
        withState { state in
            for sample in samples {
                state.series[sample.series.value]?.append(
                    sample.value,
                    at: sample.timestamp,
                    configuration: configuration
                )
            }
        }
    }

    public func release(_ handles: [SampleSinkHandle]) {
        let count = withState { state in
            for handle in handles {
                if let recorded = state.series.removeValue(forKey: handle.value) {
                    state.handles[recorded.labels] = nil
                }
            }
            return state.series.count
        }
        metrics.series.record(count)
    }

    /// Seeds the recorder with history read elsewhere (Prometheus's, at the daemon's start), so diagnosis
    /// judges against a baseline at once instead of after a warm-up. Each series is admitted as a scraped
    /// one would be (selected by the rules, within `maxSeries`) and keeps at most `retention` and
    /// `maxPointsPerSeries` of its latest points; points at or before what a series already holds are
    /// ignored. Returns how many series and points were taken.
    @discardableResult
    public func backfill(_ history: MetricHistory) -> (series: Int, points: Int) {
        var taken = (series: 0, points: 0)
        for series in history.series {
            guard let handle = admit(labels: series.labels, role: series.sampleRole) else { continue }
            let configuration = self.configuration
            let kept = withState { state -> Int in
                guard var recorded = state.series[handle.value] else { return 0 }
                state.series[handle.value] = nil  // uniquely referenced while it is filled
                let before = recorded.count
                for (time, value) in zip(series.times, series.values) {
                    recorded.append(value, at: time, configuration: configuration)
                }
                let added = recorded.count - before
                state.series[handle.value] = recorded
                return added
            }
            taken.series += 1
            taken.points += kept
        }
        return taken
    }

    /// How many series are kept, and how many selected series were refused for want of room since the
    /// rules were last selected.
    public var counts: (series: Int, refused: Int) {
        withState { ($0.series.count, $0.refused) }
    }

    /// The kept points no older than `retention` before `now`, each series oldest point first, in the
    /// order the series were admitted: what the diagnosis engine reads.
    public func history(now: Double) -> MetricHistory {
        let oldest = now - configuration.retention
        let kept = withState { state in
            state.series.sorted { $0.key < $1.key }.map(\.value)
        }
        var history = MetricHistory()
        for recorded in kept {
            var first = recorded.start
            while first < recorded.times.count, recorded.times[first] < oldest { first += 1 }
            var last = recorded.times.count
            while last > first, recorded.times[last - 1] > now { last -= 1 }
            guard first < last else { continue }
            history.append(
                MetricHistory.Series(
                    labels: recorded.labels,
                    type: recorded.type,
                    times: Array(recorded.times[first..<last]),
                    values: Array(recorded.values[first..<last])
                )
            )
        }
        return history
    }

    /// The type diagnosis reads a series as: counters (and a histogram's or summary's `_count` and
    /// `_sum`) as counters, a histogram's buckets as a histogram, everything else as a gauge.
    static func type(of name: String, role: SampleRole) -> MetricType {
        switch role {
        case .cumulative: .counter
        case .skipped where name.hasSuffix("_bucket"): .histogram
        default: .gauge
        }
    }
}
