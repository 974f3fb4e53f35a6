/// Two-sided CUSUM (Page's test) over standardised residuals: accumulates evidence of a sustained shift
/// that no single sample shows, and restarts once it has raised its alarm.
public struct ChangePointDetector: Sendable, Codable, Equatable {
    public internal(set) var upper: Double = 0
    public internal(set) var lower: Double = 0

    public init() {}

    /// Adds one standardised residual; returns the accumulated evidence in units of `threshold`
    /// (≥ 1 means a change), signed by direction.
    @inline(__always)
    public mutating func update(deviation: Double, slack: Double, threshold: Double) -> Double {
        upper = max(0, upper + deviation - slack)
        lower = max(0, lower - deviation - slack)
        let evidence = upper >= lower ? upper / threshold : -lower / threshold
        if evidence.magnitude >= 1 {
            upper = 0
            lower = 0
        }
        return evidence
    }
}
