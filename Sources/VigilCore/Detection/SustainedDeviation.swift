/// A deviation that lasts: the exponentially weighted mean of the baseline's standardised residuals
/// (the same residuals the score judges one by one), in units of what that mean spreads to on noise.
///
/// One sample at 3 spreads is ordinary; an hour of samples all at 2 spreads is not, and no single one of
/// them sets a record. This mean sees them: for white noise it spreads √(α / (2 − α)) (a third of a
/// spread at α = 0.2), so dividing by that puts a run of 2-spread samples at 6 — as unusual as one
/// 6-spread sample. The record stage scores it against its own, much longer record
/// (``RecordRatio/update(_:sustained:decay:sustainedDecay:floor:warmup:alarm:hold:spacing:)``): on NAB it
/// found five more windows than the one-sample evidence alone (docs/DETECTION.md).
///
/// Residuals are clipped (at 8 spreads by default) so one huge sample does not read as a lasting one.
/// The spread is the one at the reference spacing: at a 15-s scrape the mean averages 20 times as many
/// samples, so white noise reads quieter there, never louder.
///
/// The mean is kept as a `Float` (arithmetic stays in `Double`): 4 bytes that fit in the record stage's
/// padding in the detector (``EnsembleDetector``), where a `Double` took 8 more. Its rounding (6 × 10⁻⁸
/// of the mean) is far under what it moves by in a sample (α × a residual of spreads).
public struct SustainedDeviation: Sendable, Codable, Equatable {
    private var storedMean: Float = 0

    enum CodingKeys: String, CodingKey {
        case storedMean = "mean"
    }

    /// The mean residual, in spreads; within ± the clip, so a `Float` holds it.
    public internal(set) var mean: Double {
        @inline(__always) get { Double(storedMean) }
        @inline(__always) set { storedMean = Float(newValue) }
    }

    public init() {}

    /// Learns `residual` (signed, in spreads) with the paced smoothing `alpha`, and returns the mean in
    /// units of its spread on noise at the reference smoothing `referenceAlpha`, signed.
    @inline(__always)
    public mutating func update(_ residual: Double, alpha: Double, referenceAlpha: Double, clip: Double) -> Double {
        mean += alpha * (min(max(residual, -clip), clip) - mean)
        return mean / (referenceAlpha / (2 - referenceAlpha)).squareRoot()
    }
}
