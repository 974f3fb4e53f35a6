/// One bin of a ``SeasonalProfile``, stored in 10 bytes instead of a ``RobustLevel``'s 16: the level
/// narrowed for storage only. The arithmetic stays the level's own (in `Double`): a bin is widened to a
/// ``RobustLevel``, updated, and narrowed back, so the update rule lives in one place.
///
/// - The mean is a `Float`, rounded to nearest. That cannot stall it where it matters: an update smaller
///   than half a `Float` step (6 × 10⁻⁸ of the mean) is lost, so a stalled mean is off by at most that
///   over the smoothing (10⁻⁵ of the mean at a 15-second scrape's 0.005) — 500 times under the 0.5 %
///   deviation floor.
/// - The mean absolute deviation is a `Float`, as a level's always is.
/// - The count saturates at `UInt16.max`, far above what it is compared with (a bin is trusted after
///   `minimumSamples` paced samples: 10,000 at the smallest pace).
/// - The two `Float`s are kept as 16-bit halves: a `Float` field would align the bin to 4 bytes and pad
///   its 10 bytes to a 12-byte stride (24 bins: 288 bytes, not 240).
///
/// (8-byte bins, with a 16-bit spread rounded stochastically to stay unbiased, cost NAB 0.6 points
/// in-sample: docs/DETECTION.md.)
public struct SeasonalBin: Sendable, Equatable {
    private var meanHalves: (high: UInt16, low: UInt16) = (0, 0)
    private var deviationHalves: (high: UInt16, low: UInt16) = (0, 0)
    private var storedCount: UInt16 = 0

    public init() {}

    private var storedMean: Float {
        @inline(__always) get { Self.join(meanHalves) }
        @inline(__always) set { meanHalves = Self.split(newValue) }
    }

    private var storedDeviation: Float {
        @inline(__always) get { Self.join(deviationHalves) }
        @inline(__always) set { deviationHalves = Self.split(newValue) }
    }

    @inline(__always)
    private static func join(_ halves: (high: UInt16, low: UInt16)) -> Float {
        Float(bitPattern: UInt32(halves.high) << 16 | UInt32(halves.low))
    }

    @inline(__always)
    private static func split(_ value: Float) -> (high: UInt16, low: UInt16) {
        (UInt16(truncatingIfNeeded: value.bitPattern >> 16), UInt16(truncatingIfNeeded: value.bitPattern))
    }

    public static func == (left: SeasonalBin, right: SeasonalBin) -> Bool {
        left.storedMean == right.storedMean && left.storedDeviation == right.storedDeviation
            && left.storedCount == right.storedCount
    }

    /// `level` rounded to the nearest storable values.
    init(_ level: RobustLevel) {
        storedMean = Float(narrowing: level.mean)
        storedDeviation = Float(level.meanAbsoluteDeviation)
        storedCount = UInt16(clamping: level.count)
    }

    /// The bin widened to the level it stores.
    @inline(__always)
    public var level: RobustLevel {
        var level = RobustLevel()
        level.mean = Double(storedMean)
        level.meanAbsoluteDeviation = Double(storedDeviation)
        level.count = UInt32(storedCount)
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
