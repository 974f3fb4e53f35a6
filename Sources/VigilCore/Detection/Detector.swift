/// A streaming anomaly detector for one series.
///
/// Causal (a score depends only on samples already seen), deterministic, O(1) per sample, and a value
/// type whose stored properties are its whole state, so it can be checkpointed (`Codable`) and copied.
/// Hot paths call it generically, never through an existential.
/// Settings live apart from state (`Parameters`, shared by every series a bank watches), so a
/// million series pay for their state only.
public protocol Detector: Sendable, Codable {
    associatedtype Parameters: Sendable

    /// A fresh detector that has seen nothing.
    init(parameters: Parameters)

    /// Observes the next sample (value, seconds since the epoch) and returns how anomalous it is.
    mutating func observe(_ value: Double, at timestamp: Double, parameters: Parameters) -> DetectorOutput
}

/// What a detector says about one sample: a score and the evidence behind it.
public struct DetectorOutput: Sendable, Equatable {
    /// 0 (normal) … 1 (certainly anomalous).
    public var score: Double
    /// The value observed.
    public var observed: Double
    /// The value the detector expected: the expectation of `basis`.
    public var expected: Double
    /// One robust standard deviation around `expected` (already floored).
    public var spread: Double
    /// (observed − expected) / spread, signed.
    public var deviation: Double
    /// Which component detectors fired (``DetectorComponents`` bits).
    public var fired: DetectorComponents
    /// The one component whose evidence set the score, and whose expectation `expected` and `spread`
    /// are: the seasonal bin ("usual at this time of day"), the recent level, or the usual step from the
    /// previous sample (a spike); a change point is judged against the recent level.
    public var basis: DetectorComponents
    /// When the series started to deviate (the first sample of the current run of samples on which
    /// some component fired), or nil while it is normal.
    public var since: Double?

    /// The usual range: expected ± 3 spreads.
    public var expectedRange: ClosedRange<Double> {
        let halfWidth = 3 * spread
        return (expected - halfWidth)...(expected + halfWidth)
    }

    public init(
        score: Double,
        observed: Double,
        expected: Double,
        spread: Double,
        deviation: Double,
        fired: DetectorComponents = [],
        basis: DetectorComponents = .level,
        since: Double? = nil
    ) {
        self.score = score
        self.observed = observed
        self.expected = expected
        self.spread = spread
        self.deviation = deviation
        self.fired = fired
        self.basis = basis
        self.since = since
    }
}

/// The component detectors of an ensemble, as bits, so evidence needs no allocation.
public struct DetectorComponents: OptionSet, Sendable, Codable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let level = DetectorComponents(rawValue: 1 << 0)
    public static let seasonal = DetectorComponents(rawValue: 1 << 1)
    public static let changePoint = DetectorComponents(rawValue: 1 << 2)
    public static let spike = DetectorComponents(rawValue: 1 << 3)
    /// The baseline's residuals leaning one way for a while (``SustainedDeviation``).
    public static let sustained = DetectorComponents(rawValue: 1 << 4)

    /// Names for logs and the API.
    public var names: [String] {
        var names: [String] = []
        if contains(.level) { names.append("level") }
        if contains(.seasonal) { names.append("seasonal") }
        if contains(.changePoint) { names.append("change_point") }
        if contains(.spike) { names.append("spike") }
        if contains(.sustained) { names.append("sustained") }
        return names
    }

    /// What the components found, in the words of a person on call: "seasonal deviation", "level
    /// shift", "change point", "spike".
    public var plainNames: [String] {
        var names: [String] = []
        if contains(.seasonal) { names.append("seasonal deviation") }
        if contains(.level) { names.append("level shift") }
        if contains(.changePoint) { names.append("change point") }
        if contains(.spike) { names.append("spike") }
        if contains(.sustained) { names.append("sustained deviation") }
        return names
    }
}

/// Which deviations count as anomalous.
public enum DetectionDirection: String, Sendable, Codable, CaseIterable {
    case up, down, both

    /// The part of a signed deviation that counts.
    @inline(__always)
    func effective(_ deviation: Double) -> Double {
        switch self {
        case .both: deviation.magnitude
        case .up: max(deviation, 0)
        case .down: max(-deviation, 0)
        }
    }
}
