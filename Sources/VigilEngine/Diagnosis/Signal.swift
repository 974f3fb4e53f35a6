import VigilCore
import VigilRules

/// One derived series of a detection rule — the p99 latency of one pod, the 5xx ratio of one workload,
/// the working set of one container — on the recording's time grid.
public struct Signal: Sendable {
    /// The rule it comes from (`latency_p99`).
    public var rule: String
    /// The labels it kept (the rule's `by`, or every label but `le` and `__name__`).
    public var labels: [String: String]
    public var times: [Double]
    public var values: [Double]

    /// The value at or just before `time`, if any.
    public func value(at time: Double) -> Double? {
        var low = 0
        var high = times.count
        while low < high {
            let middle = (low + high) / 2
            if times[middle] <= time { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : values[low - 1]
    }

    /// When the signal last climbed over `level` and stayed there (nil when it is below it now): where a
    /// steady fill "began" to matter.
    public func lastRise(above level: Double) -> Double? {
        guard let lastBelow = values.lastIndex(where: { $0 < level }) else { return times.first }
        return lastBelow + 1 < times.count ? times[lastBelow + 1] : nil
    }

    /// The points up to `time`.
    public func truncated(before time: Double) -> Signal {
        let count = times.firstIndex { $0 > time } ?? times.count
        return Signal(rule: rule, labels: labels, times: Array(times[..<count]), values: Array(values[..<count]))
    }

    /// Builds the signals of `rule` from `history`: the selection, transformed (rates for counters,
    /// a quantile of histogram buckets, or a ratio of two selections), summed by the rule's labels.
    public static func derive(_ rule: SignalRule, from history: MetricHistory) -> [Signal] {
        guard let grid = Grid(history) else { return [] }
        let signals: [Signal]
        switch rule.transform {
        case .asIs, .rate:
            let forceRate = if case .rate = rule.transform { true } else { false }
            let sums = sum(rule, history.series.filter { rule.selector.matches($0.labels) }, grid, forceRate: forceRate)
            signals = sums.map { grid.signal(rule.name, $0.key, $0.value) }
        case .quantile(let phi):
            signals = quantiles(rule, phi: phi, history: history, grid)
        case .ratio(let denominator):
            let top = sum(rule, history.series.filter { rule.selector.matches($0.labels) }, grid)
            let bottom = sum(rule, history.series.filter { denominator.matches($0.labels) }, grid)
            // Where the denominator is measured and the numerator is not, the numerator is 0: client
            // libraries export an error series only from the first error on, and the ratio needs its
            // baseline from before.
            signals = bottom.map { key, divisor in
                let numerator = top[key]
                var ratio = Points(count: grid.count)
                for index in 0..<grid.count where divisor.present[index] && divisor.values[index] > 0 {
                    let part = numerator.map { $0.present[index] ? $0.values[index] : 0 } ?? 0
                    ratio.add(part / divisor.values[index], at: index)
                }
                return grid.signal(rule.name, key, ratio)
            }
        }
        return inOrderOfLabels(signals.filter { !$0.times.isEmpty })
    }

    /// Signals in order of their labels' name-sorted pairs, each set sorted once. Not by the labels'
    /// `description`: a dictionary's order of keys depends on its instance, so two diagnoses of one
    /// recording listed its signals (and their anomalies) in different orders.
    static func inOrderOfLabels(_ signals: [Signal]) -> [Signal] {
        signals.map { (signal: $0, pairs: $0.labels.sorted { $0.key < $1.key }) }
            .sorted { $0.pairs.lexicographicallyPrecedes($1.pairs) { ($0.key, $0.value) < ($1.key, $1.value) } }
            .map(\.signal)
    }

    /// The recording's time grid: its start, its scrape step (the most common gap between a series's
    /// points), and how many steps it spans. Samples are put on it, so series scraped a few
    /// milliseconds apart line up and sums need no dictionary per point.
    struct Grid {
        var start: Double
        var step: Double
        var count: Int

        init?(_ history: MetricHistory) {
            guard history.end.isFinite, history.start.isFinite else { return nil }
            var gaps: [Double: Int] = [:]
            for series in history.series.prefix(50) where series.times.count > 1 {
                for index in series.times.indices.dropFirst().prefix(20) {
                    gaps[(series.times[index] - series.times[index - 1]).rounded(), default: 0] += 1
                }
            }
            start = history.start
            step = max(1, gaps.max { ($0.value, -$0.key) < ($1.value, -$1.key) }?.key ?? 15)
            // Bounded: a recording with one stray timestamp far away must not allocate without limit.
            count = Int(min(((history.end - history.start) / step).rounded() + 1, 1_000_000))
        }

        func index(_ time: Double) -> Int? {
            let index = Int(((time - start) / step).rounded())
            return index >= 0 && index < count ? index : nil
        }

        /// The signal at the steps it has a value: a step whose value is NaN or infinite (a sum holding
        /// a series's NaN, a ratio over nothing) is no measurement, for the watch or the analyzers.
        func signal(_ rule: String, _ labels: [String: String], _ points: Points) -> Signal {
            var signal = Signal(rule: rule, labels: labels, times: [], values: [])
            for index in 0..<count where points.present[index] && points.values[index].isFinite {
                signal.times.append(start + Double(index) * step)
                signal.values.append(points.values[index])
            }
            return signal
        }
    }

    /// Values on the grid, and which steps have one.
    struct Points {
        var values: [Double]
        var present: [Bool]

        init(count: Int) {
            values = Array(repeating: 0, count: count)
            present = Array(repeating: false, count: count)
        }

        mutating func add(_ value: Double, at index: Int) {
            values[index] += value
            present[index] = true
        }
    }

    /// A series's values (a counter's as its rate) on the grid, one a step: where it has more than one
    /// point in a step — scraped more often than the grid's step, which the first series set, or its own
    /// timestamps jittering about a half step — the last. (Summing them made a gauge twice or four times
    /// itself.) A staleness marker ends the series; any other NaN or ±Inf is a value, as in PromQL, and
    /// the step that holds it is dropped from the signal (``Grid/signal(_:_:_:)``).
    private static func forEachStep(
        of series: MetricHistory.Series,
        _ grid: Grid,
        asRate: Bool,
        _ body: (Int, Double) -> Void
    ) {
        let rates = asRate ? WindowedRate.rates(times: series.times, values: series.values, gap: rateGap(grid)) : nil
        // Steps between two of the series's points, no further apart than it is usually sampled (and a
        // step for where the points fall on the grid), hold the earlier one, as PromQL's lookback holds
        // a sample (never past its five minutes, nor across a staleness marker): a series sampled less
        // often than the grid's step, or jittering about a half step (two points in one step, none in the
        // next), was missing from sums and ratios at every step between.
        let reach = min(1.5 * Self.medianSpacing(series.times) + grid.step, max(CounterRate.lookback, grid.step))
        var pending: (index: Int, value: Double)?
        var emitted: (index: Int, value: Double)?
        func emit(_ point: (index: Int, value: Double)) {
            if let last = emitted, point.index - last.index > 1, Double(point.index - last.index) * grid.step <= reach {
                for held in (last.index + 1)..<point.index { body(held, last.value) }
            }
            body(point.index, point.value)
            emitted = point
        }
        for (position, (time, value)) in zip(series.times, series.values).enumerated() {
            // A staleness marker ends the series there: nothing is held across it. Any other NaN is a
            // value, as in PromQL (a sum holding it is NaN at that step, and not scored): ending the
            // series there made its sum drop, and a drop is an anomaly.
            guard !StalenessMarker.isMarker(value) else {
                if let last = pending { emit(last) }
                pending = nil
                emitted = nil
                continue
            }
            guard let index = grid.index(time) else { continue }
            var value = value
            if let rates {
                guard let perSecond = rates[position] else { continue }
                value = perSecond
            }
            if let pending, pending.index != index { emit(pending) }
            pending = (index, value)
        }
        if let pending { emit(pending) }
    }

    /// The median time between consecutive `times` (0 with fewer than two): how often a series or a
    /// signal is usually sampled.
    static func medianSpacing(_ times: [Double]) -> Double {
        guard times.count > 1 else { return 0 }
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }.sorted()
        return gaps[gaps.count / 2]
    }

    /// The longest gap a rate spans: PromQL's lookback, 5 minutes, or five steps of a coarser grid. (Five
    /// steps alone left a counter scraped every minute without a rate on a 10-s grid its first series set.)
    static func rateGap(_ grid: Grid) -> Double { max(CounterRate.lookback, 5 * grid.step) }

    /// Each series's values (counters as rates), on the grid, summed per kept label set.
    private static func sum(
        _ rule: SignalRule,
        _ selected: [MetricHistory.Series],
        _ grid: Grid,
        forceRate: Bool = false
    )
        -> [[String: String]: Points]
    {
        var sums: [[String: String]: Points] = [:]
        for series in selected {
            let key = kept(series.labels, by: rule.by)
            let counter = forceRate || series.isCumulative
            var points = sums[key] ?? Points(count: grid.count)
            sums[key] = nil  // uniquely referenced while it is filled: no copy per point
            forEachStep(of: series, grid, asRate: counter) { points.add($1, at: $0) }
            sums[key] = points
        }
        return sums
    }

    /// `histogram_quantile(φ, sum by (…, le) (rate(…_bucket[…])))`, per step.
    private static func quantiles(_ rule: SignalRule, phi: Double, history: MetricHistory, _ grid: Grid) -> [Signal] {
        var groups: [[String: String]: [Double: Points]] = [:]  // kept labels → le → rates
        for series in history.series where rule.selector.matches(series.labels) {
            guard let le = series.labels["le"].flatMap(Self.bound) else { continue }
            // `le` is the bucket, not a group: a `by` that names it, as PromQL's `sum by (…, le)` does,
            // made a group of each bucket, none of which has a quantile.
            var key = kept(series.labels, by: rule.by)
            key["le"] = nil
            var buckets = groups[key] ?? [:]
            groups[key] = nil
            var points = buckets[le] ?? Points(count: grid.count)
            buckets[le] = nil
            forEachStep(of: series, grid, asRate: true) { points.add($1, at: $0) }
            buckets[le] = points
            groups[key] = buckets
        }
        return groups.map { key, buckets in
            var quantile = Points(count: grid.count)
            let bounds = buckets.keys.sorted()
            var cumulative: [HistogramQuantile.Bucket] = []
            for index in 0..<grid.count {
                // The buckets there are at this step, as histogram_quantile takes them: a rollout that
                // changed the layout leaves steps with none of the old bounds, and needing every bound
                // ever seen left the quantile without a point once the old pods were gone.
                cumulative.removeAll(keepingCapacity: true)
                for bound in bounds {
                    guard let points = buckets[bound], points.present[index] else { continue }
                    cumulative.append(HistogramQuantile.Bucket(upperBound: bound, count: points.values[index]))
                }
                let value = HistogramQuantile.quantile(phi, cumulative)
                if value.isFinite { quantile.add(value, at: index) }
            }
            return grid.signal(rule.name, key, quantile)
        }
    }

    private static func bound(_ text: String) -> Double? {
        text == "+Inf" ? .infinity : Double(text)
    }

    private static func kept(_ labels: [String: String], by: [String]?) -> [String: String] {
        guard let by else { return labels.filter { $0.key != "le" && $0.key != "__name__" } }
        return labels.filter { by.contains($0.key) }
    }
}
