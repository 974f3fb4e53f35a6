/// A signal that fired in an incident, with the stretches that deviated: what a report draws.
public struct FiredSignal: Sendable {
    /// The signal's anomalies cited by the incident, earliest first (one, unless it left its baseline
    /// more than once in the window).
    public var anomalies: [SignalAnomaly]
    /// The whole signal on the history's grid (the anomalous stretches are within it).
    public var signal: Signal
    /// Where it was measured, as the incident's evidence names it (`checkout-7d9f-x2/app`).
    public var object: String
}

extension DiagnosisEngine.Diagnosis {
    /// The signals whose anomalies are evidence of `incident`, in the evidence's order: matched through
    /// the engine's own evidence of each anomaly (rule and object), so a report cannot disagree with
    /// the incident about which series fired.
    public func firedSignals(of incident: Incident) -> [FiredSignal] {
        incident.evidence.filter { $0.kind == .anomaly }.compactMap { item in
            let matching = anomalies.filter { anomaly in
                let evidence = DiagnosisEngine.evidence(anomaly)
                return evidence.name == item.name && evidence.object == item.object
            }
            .sorted { $0.startedAt < $1.startedAt }
            guard let first = matching.first,
                let signal = signals[first.rule]?.first(where: { $0.labels == first.labels })
            else { return nil }
            return FiredSignal(
                anomalies: matching.filter { $0.labels == first.labels },
                signal: signal,
                object: item.object
            )
        }
    }
}

extension DiagnosisEngine {
    /// A measurement as reports print it: bytes in binary units from 1 MiB, else at most four decimals.
    public static func formatted(_ value: Double) -> String { number(value) }
}
