import VigilCore
import VigilRules

/// A stretch of a signal that left its baseline and stayed out for the rule's `for:`: the evidence an
/// incident cites ("p99 latency of checkout 0.41 s, usually 0.05 s, since 10:42").
public struct SignalAnomaly: Sendable, Equatable {
    public var rule: String
    public var labels: [String: String]
    /// The first deviating sample (seconds since the epoch), and the last one.
    public var startedAt: Double
    public var lastSeenAt: Double
    /// The baseline before it started, and the value furthest from it.
    public var expected: Double
    public var peak: Double
    /// The baseline's robust spread when it started (floored at 1 % of the baseline): the usual range is
    /// `expected` ± 3 spreads.
    public var spread: Double
    /// How far the peak was, in robust spreads (signed).
    public var deviation: Double
    /// Not over at the end of the data: fewer than ``SignalWatch/recoverySamples`` normal samples since its
    /// last deviating one (a sample or two back in range in a noisy outage is no recovery).
    public var ongoing: Bool
    /// The rule's `labels: {severity: …}`, warning when it gives none.
    public var severity: Finding.Severity = .warning
}

/// Finds anomalies in one signal as the daemon would, sample by sample: a robust level learns the
/// baseline; a sample counts as deviating when it is `sensitivity` spreads away in the rule's direction
/// *and* changed by at least `min_change` relative to the baseline; deviating samples do not teach the
/// baseline (a sustained shift stays visible); a run that lasts the rule's `for:` is an anomaly.
public struct SignalWatch: Sendable {
    /// Samples the baseline must have learnt from before anything is judged.
    public static let warmupSamples: UInt32 = 20
    /// Normal samples in a row that end a run.
    static let recoverySamples = 3

    /// The baseline an ongoing anomaly departed from, carried from one look at its signal to the next.
    public struct Baseline: Sendable, Equatable {
        public var expected: Double
        public var spread: Double
        /// When the anomaly began.
        public var since: Double

        public init(of anomaly: SignalAnomaly) {
            expected = anomaly.expected
            spread = anomaly.spread
            since = anomaly.startedAt
        }
    }

    /// What identifies a signal from one look to the next: its rule and its labels.
    public struct Key: Hashable, Sendable {
        public var rule: String
        public var labels: [String: String]

        public init(of signal: Signal) {
            rule = signal.rule
            labels = signal.labels
        }
    }

    /// - Parameter baseline: where an anomaly of this signal that was going on at the last look began,
    ///   and from what. When the history no longer reaches back before it (the daemon keeps two hours),
    ///   the signal is judged against that baseline, not one learnt from the anomaly itself: otherwise an
    ///   outage longer than the history became its own baseline, and its incident resolved while it went on.
    public static func anomalies(
        in signal: Signal,
        rule: SignalRule,
        alpha: Double = 0.02,
        baseline: Baseline? = nil
    ) -> [SignalAnomaly] {
        var level = RobustLevel()
        // Until the signal is first back within its baseline, a deviation continues the carried anomaly.
        var continuing: Baseline?
        // Once the history holds too little from before the anomaly to learn a baseline from.
        if let baseline, signal.times.prefix(while: { $0 < baseline.since }).count <= Self.warmupSamples {
            level = RobustLevel(
                mean: baseline.expected,
                meanAbsoluteDeviation: baseline.spread / 1.2533,
                count: max(Self.warmupSamples + 1, UInt32(1 / alpha))
            )
            continuing = baseline
        }
        var found: [SignalAnomaly] = []
        var run: SignalAnomaly?
        var normalInRow = 0
        let gapLimit = Self.gapLimit(signal.times)
        var lastMeasuredAt = -Double.infinity
        for (time, value) in zip(signal.times, signal.values) where value.isFinite {
            defer { lastMeasuredAt = time }
            // The carried baseline has learnt what came before the anomaly: learnt again, each round would
            // move it, and with it the anomaly's expected level and start.
            if let carried = continuing, time < carried.since { continue }
            // A floor of 1 % of the level: a flat series's zero spread must not make every wobble infinite.
            let floor = max(0.01 * abs(level.mean), 1e-9)
            let deviation = level.deviation(of: value, floor: floor)
            let change = abs(value - level.mean) / max(abs(level.mean), 1e-12)
            let deviating =
                level.count > Self.warmupSamples && rule.direction.counts(deviation) >= rule.sensitivity.spreads
                && change >= rule.minimumChange
            if deviating {
                normalInRow = 0
                // A run held across a stretch with no measurement is two runs, as a pending alert is
                // dropped at an evaluation that returns nothing: two slow requests five minutes apart on
                // a quiet workload (a quantile with no traffic between) held no `for:` of three minutes.
                if var current = run, time - lastMeasuredAt > gapLimit {
                    current.ongoing = false
                    if current.lastSeenAt - current.startedAt >= rule.holdFor { found.append(current) }
                    run = nil
                    continuing = nil
                }
                if var current = run {
                    current.lastSeenAt = time
                    if abs(deviation) > abs(current.deviation) {
                        current.deviation = deviation
                        current.peak = value
                    }
                    run = current
                } else {
                    run = SignalAnomaly(
                        rule: rule.name,
                        labels: signal.labels,
                        startedAt: continuing?.since ?? time,
                        lastSeenAt: time,
                        expected: continuing?.expected ?? level.mean,
                        peak: value,
                        spread: continuing?.spread ?? level.spread(floor: floor),
                        deviation: deviation,
                        ongoing: true,
                        severity: Finding.Severity.allCases.first { "\($0)" == rule.labels["severity"] } ?? .warning
                    )
                }
                continue
            }
            continuing = nil
            level.update(value, alpha: alpha)
            guard var current = run else { continue }
            normalInRow += 1
            if normalInRow >= Self.recoverySamples {
                current.ongoing = false
                if current.lastSeenAt - current.startedAt >= rule.holdFor { found.append(current) }
                run = nil
            }
        }
        if let current = run, current.lastSeenAt - current.startedAt >= rule.holdFor { found.append(current) }
        return found
    }

    /// The longest gap between two measurements that a run holds across: PromQL's five minutes of
    /// lookback (an expression answers that long after its last sample), or three of the signal's usual
    /// spacings where it is sparser, so scrapes that thin out under load do not split a run.
    static func gapLimit(_ times: [Double]) -> Double {
        guard times.count > 1 else { return .infinity }
        return max(CounterRate.lookback, 3 * Signal.medianSpacing(times))
    }
}

extension DetectionDirection {
    /// The part of a signed deviation that counts in this direction.
    func counts(_ deviation: Double) -> Double {
        switch self {
        case .both: abs(deviation)
        case .up: max(deviation, 0)
        case .down: max(-deviation, 0)
        }
    }
}
