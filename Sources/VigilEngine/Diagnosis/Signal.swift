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

    /// The points up to `time`.
    public func truncated(before time: Double) -> Signal {
        let count = times.firstIndex { $0 > time } ?? times.count
        return Signal(rule: rule, labels: labels, times: Array(times[..<count]), values: Array(values[..<count]))
    }

    /// Builds the signals of `rule` from `history`: the selection, transformed (rates for counters,
    /// a quantile of histogram buckets, or a ratio of two selections), summed by the rule's labels.
    public static func derive(_ rule: SignalRule, from history: MetricHistory) -> [Signal] {
        let step = grid(history)
        switch rule.transform {
        case .asIs, .rate:
            let forceRate = if case .rate = rule.transform { true } else { false }
            return sum(
                rule,
                history.series.filter { rule.selector.matches($0.labels) },
                step: step,
                forceRate: forceRate
            )
            .map { Signal(rule: rule.name, labels: $0.key, times: $0.value.times, values: $0.value.values) }
            .sorted { $0.labels.description < $1.labels.description }
        case .quantile(let phi):
            return quantiles(rule, phi: phi, history: history, step: step)
        case .ratio(let denominator):
            let top = sum(rule, history.series.filter { rule.selector.matches($0.labels) }, step: step)
            let bottom = sum(rule, history.series.filter { denominator.matches($0.labels) }, step: step)
            return top.compactMap { key, numerator -> Signal? in
                guard let denominator = bottom[key] else { return nil }
                var signal = Signal(rule: rule.name, labels: key, times: [], values: [])
                let divisors = Dictionary(zip(denominator.times, denominator.values), uniquingKeysWith: { $1 })
                for (time, value) in zip(numerator.times, numerator.values) {
                    guard let divisor = divisors[time], divisor > 0 else { continue }
                    signal.times.append(time)
                    signal.values.append(value / divisor)
                }
                return signal.times.isEmpty ? nil : signal
            }
            .sorted { $0.labels.description < $1.labels.description }
        }
    }

    /// The scrape step of the recording: the most common gap between a series's points (samples are
    /// put on this grid so series scraped a few milliseconds apart line up).
    static func grid(_ history: MetricHistory) -> Double {
        var gaps: [Double: Int] = [:]
        for series in history.series.prefix(50) where series.times.count > 1 {
            for index in series.times.indices.dropFirst().prefix(20) {
                gaps[(series.times[index] - series.times[index - 1]).rounded(), default: 0] += 1
            }
        }
        return max(1, gaps.max { ($0.value, -$0.key) < ($1.value, -$1.key) }?.key ?? 15)
    }

    typealias Points = (times: [Double], values: [Double])

    /// Each series's values (counters as rates), on the grid, summed per kept label set.
    private static func sum(
        _ rule: SignalRule,
        _ selected: [MetricHistory.Series],
        step: Double,
        forceRate: Bool = false
    )
        -> [[String: String]: Points]
    {
        var sums: [[String: String]: [Double: Double]] = [:]
        for series in selected {
            let key = kept(series.labels, by: rule.by)
            let counter = forceRate || series.type == .counter || series.name.hasSuffix("_total")
            var rate = CounterRate()
            for (time, value) in zip(series.times, series.values) {
                let point = (time / step).rounded() * step
                if counter {
                    guard let perSecond = rate.update(value, at: time, staleAfter: 5 * step) else { continue }
                    sums[key, default: [:]][point, default: 0] += perSecond
                } else {
                    sums[key, default: [:]][point, default: 0] += value
                }
            }
        }
        return sums.mapValues { points in
            let times = points.keys.sorted()
            return (times, times.map { points[$0] ?? 0 })
        }
    }

    /// `histogram_quantile(φ, sum by (…, le) (rate(…_bucket[…])))`, per time.
    private static func quantiles(_ rule: SignalRule, phi: Double, history: MetricHistory, step: Double) -> [Signal] {
        var buckets: [[String: String]: [Double: [Double: Double]]] = [:]  // key → time → le → rate
        for series in history.series where rule.selector.matches(series.labels) {
            guard let le = series.labels["le"].flatMap(Self.bound) else { continue }
            let key = kept(series.labels, by: rule.by)
            var rate = CounterRate()
            for (time, value) in zip(series.times, series.values) {
                guard let perSecond = rate.update(value, at: time, staleAfter: 5 * step) else { continue }
                buckets[key, default: [:]][(time / step).rounded() * step, default: [:]][le, default: 0] += perSecond
            }
        }
        return buckets.map { key, byTime in
            var signal = Signal(rule: rule.name, labels: key, times: [], values: [])
            for time in byTime.keys.sorted() {
                let cumulative = (byTime[time] ?? [:]).map {
                    HistogramQuantile.Bucket(upperBound: $0.key, count: $0.value)
                }
                let value = HistogramQuantile.quantile(phi, cumulative)
                guard value.isFinite else { continue }
                signal.times.append(time)
                signal.values.append(value)
            }
            return signal
        }
        .filter { !$0.times.isEmpty }
        .sorted { $0.labels.description < $1.labels.description }
    }

    private static func bound(_ text: String) -> Double? {
        text == "+Inf" ? .infinity : Double(text)
    }

    private static func kept(_ labels: [String: String], by: [String]?) -> [String: String] {
        guard let by else { return labels.filter { $0.key != "le" && $0.key != "__name__" } }
        return labels.filter { by.contains($0.key) }
    }
}
