import VigilCore

extension AnomalyReport {
    /// The evidence of an anomaly as a person on call reads it: what was seen against what was expected
    /// and where (this time of day, the recent level, the usual step), the usual range (expected ± 3
    /// spreads), how far outside in usual spreads, which component found it and since when:
    ///
    ///     queue_depth 200 is 33× the usual spread above the expected 100 for this time of day (usual range
    ///     91.0 to 109): seasonal deviation since 2023-11-16T00:53:20Z, ongoing
    public static func summary(
        name: String,
        observed: Double,
        expected: Double,
        spread: Double,
        basis: DetectorComponents,
        startedAt: Double,
        ongoing: Bool,
        rate: Bool
    ) -> String {
        let subject = rate ? "the rate of \(name)" : name
        let side = observed >= expected ? "above" : "below"
        let yardstick =
            if basis.contains(.seasonal) {
                "for this time of day"
            } else if basis.contains(.spike) {
                "after the usual step from the previous sample"
            } else {
                "from the recent level"
            }
        let low = DiagnosisEngine.number(expected - 3 * spread)
        let high = DiagnosisEngine.number(expected + 3 * spread)
        // A lasting deviation is judged against the same baseline; it, not the baseline, found it.
        let found = basis.contains(.sustained) ? "sustained deviation" : basis.plainNames.first ?? "level shift"
        return "\(subject) \(DiagnosisEngine.number(observed)) is \(factor((observed - expected) / spread))"
            + " the usual spread \(side) the expected \(DiagnosisEngine.number(expected)) \(yardstick)"
            + " (usual range \(low) to \(high)): \(found) since \(Timestamp.utc(startedAt))"
            + (ongoing ? ", ongoing" : ", ended")
    }

    /// How many spreads out, as a multiple: one decimal below 10, whole above, capped where a floored
    /// spread on a flat series would print an absurd figure.
    static func factor(_ spreads: Double) -> String {
        let magnitude = spreads.magnitude
        guard magnitude.isFinite, magnitude < 1000 else { return "over 1000×" }
        if magnitude < 10 { return "\((magnitude * 10).rounded() / 10)×" }
        return "\(Int(magnitude.rounded()))×"
    }
}
