/// Two-sided CUSUM (Page's test) over standardised residuals: accumulates evidence of a sustained shift
/// that no single sample shows, and restarts once it has raised its alarm.
///
/// The two sums are kept as `Float`s (arithmetic in `Double`): 8 bytes of a detector, not 16. They stay
/// under the threshold plus one clipped residual (16 spreads at the defaults), where 24 bits resolve
/// 10⁻⁶ of a spread.
public struct ChangePointDetector: Sendable, Codable, Equatable {
    private var storedUpper: Float = 0
    private var storedLower: Float = 0

    enum CodingKeys: String, CodingKey {
        case storedUpper = "upper"
        case storedLower = "lower"
    }

    public internal(set) var upper: Double {
        @inline(__always) get { Double(storedUpper) }
        @inline(__always) set { storedUpper = Float(narrowing: newValue) }
    }

    public internal(set) var lower: Double {
        @inline(__always) get { Double(storedLower) }
        @inline(__always) set { storedLower = Float(narrowing: newValue) }
    }

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
