/// A robust running level and spread: an exponentially weighted mean and mean absolute deviation,
/// updated with the residual clipped at a few spreads so one outlier cannot drag either far.
/// The smoothing starts at 1/n (a plain average while young) and settles at `alpha`.
///
/// 16 bytes: the spread is kept as a `Float` (24 bits of precision, far finer than the 0.5 % deviation
/// floor); a seasonal bin narrows further (``SeasonalBin``); arithmetic stays in `Double`.
public struct RobustLevel: Sendable, Codable, Equatable {
    public internal(set) var mean: Double = 0
    private var storedDeviation: Float = 0
    public internal(set) var count: UInt32 = 0

    enum CodingKeys: String, CodingKey {
        case mean
        case storedDeviation = "meanAbsoluteDeviation"
        case count
    }

    /// Exponentially weighted mean |x − mean|; 1.2533 × this estimates σ for Gaussian noise. Stored as a
    /// `Float`, held below its largest finite value so a huge input cannot make it infinite (and the next
    /// update NaN).
    public internal(set) var meanAbsoluteDeviation: Double {
        @inline(__always) get { Double(storedDeviation) }
        @inline(__always) set {
            storedDeviation = Float(narrowing: newValue)
        }
    }

    public init() {}

    /// A level already learnt: a baseline carried over from an earlier look at the same series.
    public init(mean: Double, meanAbsoluteDeviation: Double, count: UInt32) {
        self.mean = mean
        self.meanAbsoluteDeviation = meanAbsoluteDeviation
        self.count = count
    }

    /// σ-equivalent spread, at least `floor`.
    @inline(__always)
    public func spread(floor: Double) -> Double {
        max(1.2533 * meanAbsoluteDeviation, floor)
    }

    /// Signed deviation of `value` in spreads, before updating; 0 until the level has learnt from more
    /// than `minimumSamples` samples (a young baseline's spread is a guess, and a guess of nearly zero
    /// turns ordinary values into thousands of spreads).
    @inline(__always)
    public func deviation(of value: Double, floor: Double, minimumSamples: UInt32 = 0) -> Double {
        count == 0 || count <= minimumSamples ? 0 : (value - mean) / spread(floor: floor)
    }

    /// Learns from `value`.
    @inline(__always)
    public mutating func update(_ value: Double, alpha: Double, clip: Double = 4) {
        if count == 0 {
            mean = value
            count = 1
            return
        }
        if count < UInt32.max { count += 1 }
        let weight = max(alpha, 1 / Double(count))
        var residual = (value - mean).heldFinite
        let limit = clip * max(1.2533 * meanAbsoluteDeviation, 1e-12)
        // Clipping is relaxed while young, when the spread itself is not yet known.
        if count > 8 { residual = min(max(residual, -limit), limit) }
        mean += weight * residual
        meanAbsoluteDeviation += weight * (residual.magnitude - meanAbsoluteDeviation)
    }
}
