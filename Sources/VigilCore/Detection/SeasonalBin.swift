/// One bin of a ``SeasonalProfile``, stored in 8 bytes: a ``RobustLevel`` narrowed for storage only.
/// The arithmetic stays the level's own (in `Double`): a bin is widened to a ``RobustLevel``, updated,
/// and narrowed back, so the update rule lives in one place.
///
/// - The mean is a `Float` (24 bits of precision: 1/80,000 of the 0.5 % deviation floor).
/// - The mean absolute deviation keeps a `Float`'s 8-bit exponent and its top 8 mantissa bits (the sign
///   of a deviation is always +): 16 bits, 0.4 % steps.
/// - The count saturates at `UInt16.max`, far above what it is compared with (a bin is trusted after
///   `minimumSamples` paced samples, 10,000 at the smallest pace).
///
/// Narrowing rounds stochastically: up with probability equal to the fraction of a step that was cut
/// off, so the stored value is right on average. Round-to-nearest would be biased: at a 15-second
/// scrape a bin moves by ~0.5 % of a residual per sample, below half a 16-bit step, so a nearest-rounded
/// spread would stop moving wherever it stood. The random bits come from the sample itself (``rounding(value:timestamp:)``),
/// so the detector stays deterministic: the same samples give the same scores.
public struct SeasonalBin: Sendable, Equatable {
    private var storedMean: Float = 0
    private var storedDeviation: UInt16 = 0
    private var storedCount: UInt16 = 0

    public init() {}

    /// `level` narrowed, rounded stochastically with the bits of `random`.
    init(_ level: RobustLevel, random: UInt64) {
        storedMean = Self.narrow(level.mean, random: random)
        storedDeviation = Self.narrow(deviation: level.meanAbsoluteDeviation, random: random >> 32)
        storedCount = UInt16(clamping: level.count)
    }

    /// `level` rounded to the nearest storable values (for a checkpoint written with wider fields).
    init(nearest level: RobustLevel) {
        storedMean = Float(Self.clamped(level.mean))
        let bits = Float(Self.clamped(level.meanAbsoluteDeviation.magnitude)).bitPattern
        storedDeviation = Self.deviationField(bits &+ (1 << 14))
        storedCount = UInt16(clamping: level.count)
    }

    /// The bin widened to the level it stores.
    @inline(__always)
    public var level: RobustLevel {
        var level = RobustLevel()
        level.mean = Double(storedMean)
        level.meanAbsoluteDeviation = Double(Float(bitPattern: UInt32(storedDeviation) << 15))
        level.count = UInt32(storedCount)
        return level
    }

    /// Learns from `value` by the level's rule; `random` supplies the rounding's bits.
    @inline(__always)
    public mutating func update(_ value: Double, alpha: Double, random: UInt64) {
        var level = self.level
        level.update(value, alpha: alpha)
        self = SeasonalBin(level, random: random)
    }

    /// 64 well-mixed bits from a sample (splitmix64's finaliser over its value and timestamp): the same
    /// sample always rounds the same way, and neighbouring samples round independently.
    @inline(__always)
    public static func rounding(value: Double, timestamp: Double) -> UInt64 {
        var bits = value.bitPattern &+ timestamp.bitPattern &* 0x9E37_79B9_7F4A_7C15
        bits = (bits ^ (bits >> 30)) &* 0xBF58_476D_1CE4_E5B9
        bits = (bits ^ (bits >> 27)) &* 0x94D0_49BB_1331_11EB
        return bits ^ (bits >> 31)
    }

    /// `value` held inside a `Float`'s finite range, so a huge input cannot store an infinity (and make
    /// the next update NaN).
    @inline(__always)
    static func clamped(_ value: Double) -> Double {
        min(max(value, -Double(Float.greatestFiniteMagnitude)), Double(Float.greatestFiniteMagnitude))
    }

    /// `value` as a `Float`, rounded up or down with the probability that keeps its expectation exact;
    /// the low 32 bits of `random` decide.
    @inline(__always)
    static func narrow(_ value: Double, random: UInt64) -> Float {
        let wide = clamped(value)
        let nearest = Float(wide)
        let error = wide - Double(nearest)
        guard error != 0 else { return nearest }
        let other = error > 0 ? nearest.nextUp : nearest.nextDown
        guard other.isFinite else { return nearest }
        // The share of the step between the two neighbours that `wide` lies past `nearest`: in (0, ½].
        let share = error / (Double(other) - Double(nearest))
        return Double(UInt32(truncatingIfNeeded: random)) < share * 4_294_967_296 ? other : nearest
    }

    /// A non-negative `deviation` in 16 bits, rounded stochastically: adding a uniform 15-bit number below
    /// the kept bits carries into them with probability equal to the share that is cut off.
    @inline(__always)
    static func narrow(deviation: Double, random: UInt64) -> UInt16 {
        let bits = Float(clamped(deviation.magnitude)).bitPattern
        return deviationField(bits &+ UInt32(truncatingIfNeeded: random & 0x7FFF))
    }

    /// The kept 16 bits of a positive `Float`'s bit pattern, held below infinity's.
    @inline(__always)
    static func deviationField(_ bits: UInt32) -> UInt16 {
        UInt16(min(bits >> 15, 0xFEFF))
    }
}

extension SeasonalBin: Codable {
    /// A bin is written as the level it stores, so a checkpoint holds the same fields as before bins
    /// were narrowed, and one written then loads (rounded to the nearest storable values).
    public init(from decoder: any Decoder) throws {
        self.init(nearest: try RobustLevel(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try level.encode(to: encoder)
    }
}
