/// A series behind one of an incident's anomalies, over the anomaly and as long again before it, with
/// the range it was expected in: the baseline ± 3 robust spreads, as `GET /api/v1/anomalies` gives its
/// range.
public struct IncidentSeries: Encodable, Sendable {
    var rule: String
    var labels: [String: String]
    var expected: Double
    var expectedLow: Double
    var expectedHigh: Double
    var anomalyStartedAt: String
    /// `[time (RFC 3339), value]`, evenly thinned to the points asked for.
    var points: [[String]]

    enum CodingKeys: String, CodingKey {
        case rule, labels, expected, points
        case expectedLow = "expected_low"
        case expectedHigh = "expected_high"
        case anomalyStartedAt = "anomaly_started_at"
    }

    /// The series of `incident`'s anomaly evidence (matched by rule and onset) in `diagnosis`.
    public static func around(
        _ incident: Incident,
        in diagnosis: DiagnosisEngine.Diagnosis,
        metric: String?,
        points: Int
    ) -> [IncidentSeries] {
        let cited = Set(
            incident.evidence.filter { $0.kind == .anomaly }.compactMap { evidence in
                evidence.at.map { "\(evidence.name)@\($0)" }
            }
        )
        return diagnosis.anomalies.filter { anomaly in
            cited.contains("\(anomaly.rule)@\(anomaly.startedAt)") && (metric == nil || anomaly.rule == metric)
        }
        .compactMap { anomaly in
            guard let signal = diagnosis.signals[anomaly.rule]?.first(where: { $0.labels == anomaly.labels }) else {
                return nil
            }
            let from = anomaly.startedAt - max(anomaly.lastSeenAt - anomaly.startedAt, 600)
            let window = zip(signal.times, signal.values).filter { $0.0 >= from && $0.0 <= anomaly.lastSeenAt + 600 }
            let stride = max(1, (window.count + points - 1) / points)
            return IncidentSeries(
                rule: anomaly.rule,
                labels: anomaly.labels,
                expected: anomaly.expected,
                expectedLow: anomaly.expected - 3 * anomaly.spread,
                expectedHigh: anomaly.expected + 3 * anomaly.spread,
                anomalyStartedAt: Timestamp.utc(anomaly.startedAt),
                points: window.enumerated().filter { $0.offset % stride == 0 }.map {
                    [Timestamp.utc($0.element.0), DiagnosisEngine.formatted($0.element.1)]
                }
            )
        }
    }

    /// An anomaly as `list_anomalies` gives it.
    public struct AnomalyLine: Encodable, Sendable {
        var rule: String
        var labels: [String: String]
        var expected: Double
        var peak: Double
        var spread: Double
        var deviation: Double
        var startedAt: String
        var lastSeenAt: String
        var ongoing: Bool

        /// `diagnosis`'s anomalies, only the ongoing ones when asked: what `list_anomalies` answers, from
        /// `vigil mcp`'s read or the daemon's latest round alike.
        public static func list(_ diagnosis: DiagnosisEngine.Diagnosis, ongoingOnly: Bool) -> [AnomalyLine] {
            diagnosis.anomalies.filter { !ongoingOnly || $0.ongoing }.map(AnomalyLine.init)
        }

        init(_ anomaly: SignalAnomaly) {
            rule = anomaly.rule
            labels = anomaly.labels
            expected = anomaly.expected
            peak = anomaly.peak
            spread = anomaly.spread
            deviation = anomaly.deviation
            startedAt = Timestamp.utc(anomaly.startedAt)
            lastSeenAt = Timestamp.utc(anomaly.lastSeenAt)
            ongoing = anomaly.ongoing
        }

        enum CodingKeys: String, CodingKey {
            case rule, labels, expected, peak, spread, deviation, ongoing
            case startedAt = "started_at"
            case lastSeenAt = "last_seen_at"
        }
    }
}
