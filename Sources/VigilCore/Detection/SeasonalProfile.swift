/// A seasonal baseline: the period (a day by default) cut into bins by time of period, each with its
/// own robust level, so "normal for 09:00" and "normal for 03:00" are learnt separately.
/// State: `binCount` levels narrowed to 8 bytes each (``SeasonalBin``: the default 24 bins take 192 bytes).
/// The period is the detector settings' (`seasonalPeriod`), passed in, not kept: every profile of a
/// store shares it, and 8 bytes a detector are 0.8 MB for 100,000 series.
public struct SeasonalProfile: Sendable, Codable, Equatable {
    public internal(set) var bins: [SeasonalBin]

    public init(binCount: Int = 48) {
        bins = Array(repeating: SeasonalBin(), count: binCount)
    }

    /// The profile a series that held `value` for `samples` samples `spacing` apart, the last at `last`,
    /// has learnt: every bin the constant with no spread, counting the samples that fell in its time of
    /// period. A detector makes its profile only when its series first varies (a constant series — most
    /// of kube-state-metrics — would keep 24 copies of one number), and this is the profile it would have
    /// had from the start. The samples are counted back from `last` at `spacing`, each in the bin
    /// ``bin(at:period:)`` gives it, up to `enough` a bin (a count past which nothing changes: the bin is trusted
    /// and learns at its settled rate), so for samples that were that regular the profile is exact. Where
    /// the spacing changed before the first change (a gap just before it), the counts are an estimate, and
    /// only how soon each bin is trusted and how fast it learns at first can differ.
    init(
        constant value: Double,
        samples: UInt32,
        spacing: Double,
        last: Double,
        enough: UInt32,
        period: Double,
        binCount: Int
    ) {
        self.init(binCount: binCount)
        var counts = [UInt32](repeating: 0, count: binCount)
        if spacing > 0, spacing.isFinite {
            // Once every bin has enough, older samples change nothing: a series constant for a year is
            // counted back about a day.
            var filled = 0
            var back: UInt32 = 0
            while back < samples, filled < binCount {
                let index = bin(at: last - Double(back) * spacing, period: period)
                if counts[index] < enough {
                    counts[index] += 1
                    if counts[index] == enough { filled += 1 }
                }
                back += 1
            }
        } else {
            counts[bin(at: last, period: period)] = min(samples, enough)
        }
        for index in bins.indices where counts[index] > 0 {
            var level = RobustLevel()
            level.mean = value
            level.count = counts[index]
            bins[index] = SeasonalBin(level)
        }
    }

    /// The bin of the time of `period` of `timestamp`.
    @inline(__always)
    func bin(at timestamp: Double, period: Double) -> Int {
        let phase = Self.phase(of: timestamp, in: period)
        let position = phase / period * Double(bins.count)
        guard position.isFinite else { return 0 }
        return min(max(Int(position), 0), bins.count - 1)
    }

    /// `timestamp` modulo `period`, in [0, period]: `fmod`'s remainder, made non-negative.
    /// `timestamp - floor(timestamp / period) * period` loses the phase to rounding for huge timestamps
    /// and can go negative (a fuzzed CSV with a 96-digit timestamp crashed the lookup). `fmod` is exact,
    /// but a library call that cost 8 % of a 15-second update (it ran twice a sample then). Under 2⁵²
    /// periods a fused multiply-add is exact too: with `q` the quotient rounded toward zero, either `q` is
    /// the true quotient and `timestamp − q·period` is `fmod`'s remainder, representable, so the one
    /// rounding returns it; or the division rounded away from zero across an integer, `q` is one step too
    /// far from zero, the true remainder `r` is within [period/2, period) of zero, and `r ∓ period` is
    /// exact (Sterbenz), as is the step back. (Rounding to nearest never crosses an integer toward zero:
    /// under 2⁵² the integer is representable.) A negative remainder tinier than half a unit of
    /// `period`'s last place rounds to `period` when made non-negative — as `fmod`'s does — and the lookup
    /// clamps it to the last bin. Above 2⁵² periods, or for a non-finite timestamp, it is `fmod`.
    @inline(__always)
    static func phase(of timestamp: Double, in period: Double) -> Double {
        let quotient = (timestamp / period).rounded(.towardZero)
        let phase =
            quotient.magnitude < 0x1p52
            ? timestamp.addingProduct(-quotient, period) : timestamp.truncatingRemainder(dividingBy: period)
        return phase < 0 ? phase + period : phase
    }

    /// Learns `value` in bin `index` (``bin(at:period:)`` of its timestamp).
    @inline(__always)
    mutating func update(_ value: Double, inBin index: Int, alpha: Double) {
        bins[index].update(value, alpha: alpha)
    }
}
