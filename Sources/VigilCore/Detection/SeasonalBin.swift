/// One bin of a ``SeasonalProfile``, stored in 8 bytes instead of a ``RobustLevel``'s 16: the level
/// narrowed for storage only. The arithmetic stays the level's own (in `Double`): a bin is widened to a
/// ``RobustLevel``, updated, and narrowed back, so the update rule lives in one place.
///
/// - The mean is a `Float`, rounded to nearest. That cannot stall it where it matters: an update smaller
///   than half a `Float` step (6 × 10⁻⁸ of the mean) is lost, so a stalled mean is off by at most that
///   over the smoothing (10⁻⁵ of the mean at a 15-second scrape's 0.005) — 500 times under the 0.5 %
///   deviation floor.
/// - The mean absolute deviation keeps a `Float`'s exponent and the top 13 bits of its mantissa, rounded
///   to nearest: a step of 1.2 × 10⁻⁴ of the spread, so an update is lost only when the residual is
///   within 1.2 % of the spread at a 15-second scrape's smoothing (0.005) — noise that pulls no way. (A
///   16-bit spread, 8 mantissa bits rounded stochastically, cost NAB 0.6 points: docs/DETECTION.md.)
/// - The count takes the low 11 bits. It matters until the bin is trusted (`minimumSamples` paced
///   samples) and has settled to its smoothing (1/`seasonalAlpha` paced samples): at a scrape every
///   1.5 s or slower both are under 2,047, where the count saturates; a saturated count reads as
///   settled (`UInt32.max`), so below 1.5 s a bin is trusted after 2,047 samples instead.
///
/// Mean and packed spread are both 32-bit, so the bin has no padding: 24 bins take 192 bytes, and with
/// the array's 32-byte header fit a 240-byte heap block (10-byte bins needed 288).
public struct SeasonalBin: Sendable, Equatable {
    private var storedMean: Float = 0
    /// The spread's rounded top 21 bits (it is never negative: no sign), then the count's 11.
    private var packed: UInt32 = 0

    private static let countBits: UInt32 = 11
    private static let saturatedCount: UInt32 = 1 << countBits - 1
    /// The mantissa bits of a `Float` the spread drops.
    private static let droppedBits: UInt32 = 10
    /// The largest finite `Float`'s kept bits: rounding never makes the spread infinite.
    private static let largestSpread: UInt32 = Float.greatestFiniteMagnitude.bitPattern >> droppedBits

    public init() {}

    /// `level` rounded to the nearest storable values.
    init(_ level: RobustLevel) {
        storedMean = Float(narrowing: level.mean)
        let deviation = Float(narrowing: level.meanAbsoluteDeviation).magnitude.bitPattern
        let spread = min((deviation + 1 << (Self.droppedBits - 1)) >> Self.droppedBits, Self.largestSpread)
        packed = spread << Self.countBits | min(level.count, Self.saturatedCount)
    }

    /// The bin widened to the level it stores.
    @inline(__always)
    public var level: RobustLevel {
        var level = RobustLevel()
        level.mean = Double(storedMean)
        let spread = packed >> Self.countBits
        level.meanAbsoluteDeviation = Double(Float(bitPattern: spread << Self.droppedBits))
        let count = packed & Self.saturatedCount
        level.count = count == Self.saturatedCount ? .max : count
        return level
    }

    /// Learns from `value` by the level's rule.
    @inline(__always)
    public mutating func update(_ value: Double, alpha: Double) {
        var level = self.level
        level.update(value, alpha: alpha)
        self = SeasonalBin(level)
    }
}

extension SeasonalBin: Codable {
    /// A bin is written as the level it stores, so a checkpoint holds the same fields as before bins
    /// were narrowed, and one written then loads (rounded to the nearest storable values).
    public init(from decoder: any Decoder) throws {
        self.init(try RobustLevel(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try level.encode(to: encoder)
    }
}
