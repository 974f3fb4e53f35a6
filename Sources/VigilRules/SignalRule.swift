public import VigilCore

/// A detection rule: which series to watch, how to turn them into one signal per workload or pod, and
/// how far the signal must move from its own baseline, for how long, before it is an anomaly.
public struct SignalRule: Sendable {
    /// How the selected series become the signal.
    public enum Transform: Sendable {
        /// Gauges as they are; counters as their per-second rate (PromQL `rate()` semantics).
        case asIs
        /// Every selected series as a counter's per-second rate, whatever its declared type.
        case rate
        /// The φ-quantile of a histogram's `_bucket` series (PromQL `histogram_quantile` over their rates).
        case quantile(Double)
        /// The selection over `denominator`, both summed by `by` (counters by their rates), as
        /// `sum by (…) (rate(errors)) / sum by (…) (rate(requests))`.
        case ratio(denominator: SeriesSelector)
    }

    /// How far from the baseline counts, in robust standard deviations.
    public enum Sensitivity: String, Sendable, CaseIterable {
        case low, normal, high

        public var spreads: Double {
            switch self {
            case .low: 6
            case .normal: 4
            case .high: 3
            }
        }
    }

    /// The signal's name, as playbooks refer to it (`anomaly: memory_working_set`).
    public var name: String
    public var help: String
    public var selector: SeriesSelector
    public var transform: Transform
    /// The labels the signal keeps (the rest are summed away); nil keeps every label but `le`.
    public var by: [String]?
    public var direction: DetectionDirection
    public var sensitivity: Sensitivity
    /// The least relative change from the baseline that counts (0.2 = 20 %), so a series with a tiny
    /// spread does not call ordinary noise an anomaly.
    public var minimumChange: Double
    /// `for:` — how long the deviation must hold before the anomaly fires.
    public var holdFor: Double
    /// `labels:`, of which `severity` alone is read: the anomaly's severity, and so its incident's
    /// (``severities``; warning when not given).
    public var labels: [String: String]
    /// The severities a signal's anomaly may have, least first.
    public static let severities = ["info", "warning", "critical"]
    /// Where it was written: `file:line`.
    public var origin: String

    public init(
        name: String,
        help: String = "",
        selector: SeriesSelector,
        transform: Transform = .asIs,
        by: [String]? = nil,
        direction: DetectionDirection = .both,
        sensitivity: Sensitivity = .normal,
        minimumChange: Double = 0.2,
        holdFor: Double = 0,
        labels: [String: String] = [:],
        origin: String = ""
    ) {
        self.name = name
        self.help = help
        self.selector = selector
        self.transform = transform
        self.by = by
        self.direction = direction
        self.sensitivity = sensitivity
        self.minimumChange = minimumChange
        self.holdFor = holdFor
        self.labels = labels
        self.origin = origin
    }
}
