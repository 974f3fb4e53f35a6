import VigilCore

/// An anomaly as the API reports it: the series, the score, and the evidence behind it.
public struct AnomalyReport: Sendable, Equatable, Codable {
    /// The series's labels, `__name__` included.
    public var labels: [String: String]
    public var score: Double
    public var peakScore: Double
    /// What was seen, what was expected, and the usual range (expected ± 3 robust spreads).
    public var observed: Double
    public var expected: Double
    public var expectedLow: Double
    public var expectedHigh: Double
    /// One robust standard deviation around `expected`: the usual spread.
    public var spread: Double
    /// (observed − expected) / spread.
    public var deviation: Double
    /// Which detectors fired: level, seasonal, change_point, spike.
    public var detectors: [String]
    /// The one whose evidence set the score and whose expectation `expected` is: `seasonal` (usual at
    /// this time of day), `level` (the recent level), `spike` (the usual step from the previous
    /// sample) or `change_point` (a sustained drift from the recent level).
    public var basis: String
    /// The evidence in one sentence for a person: see ``summary(name:observed:expected:spread:basis:startedAt:ongoing:rate:)``.
    public var summary: String
    /// Whether a counter's rate, rather than the raw value, was scored.
    public var scoredRate: Bool
    /// Seconds since the epoch.
    public var startedAt: Double
    public var lastSeenAt: Double
    /// False once the series is back to normal (or gone).
    public var ongoing: Bool

    /// Ongoing anomalies of `store`, highest score first, then the most recent ended ones (newest
    /// first) when `includeEnded`: what `GET /api/v1/anomalies` answers. Scores tie often (a score is
    /// capped at 1): the older anomaly first, then the series seen first, never the dictionary's order.
    public static func reports(in store: SeriesStore, includeEnded: Bool = true) -> [AnomalyReport] {
        let ongoing = store.anomalies.values.sorted {
            ($0.latest.score, $1.startedAt, $1.series) > ($1.latest.score, $0.startedAt, $0.series)
        }
        .map { AnomalyReport($0, store: store, ongoing: true) }
        guard includeEnded else { return ongoing }
        return ongoing + store.endedAnomalies.reversed().map { AnomalyReport($0, store: store, ongoing: false) }
    }

    init(_ anomaly: Anomaly, store: SeriesStore, ongoing: Bool) {
        let output = anomaly.latest
        labels = Dictionary(
            store.labels(of: anomaly.series).pairs(in: store.symbols).map { ($0.name, $0.value) },
            uniquingKeysWith: { first, _ in first }
        )
        score = output.score
        peakScore = anomaly.peakScore
        observed = output.observed
        expected = output.expected
        expectedLow = output.expectedRange.lowerBound
        expectedHigh = output.expectedRange.upperBound
        spread = output.spread
        deviation = output.deviation
        detectors = output.fired.names
        basis = output.basis.names.first ?? "level"
        scoredRate = store.role(of: anomaly.series) == .cumulative
        startedAt = anomaly.startedAt
        lastSeenAt = anomaly.lastSeenAt
        self.ongoing = ongoing
        summary = Self.summary(
            name: labels["__name__"] ?? "series",
            observed: output.observed,
            expected: output.expected,
            spread: output.spread,
            basis: output.basis,
            startedAt: anomaly.startedAt,
            ongoing: ongoing,
            rate: scoredRate
        )
    }
}
