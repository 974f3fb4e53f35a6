import RealModule

/// The stage that turns evidence into a score an SRE can threshold across very different series: how
/// the current evidence compares with the largest evidence this series has produced recently.
///
/// A noisy series keeps producing 4σ samples, so its decaying peak stays high and 4σ scores low; a calm
/// series whose peak is 2σ scores the same 4σ sample high. A sustained anomaly raises the peak at once,
/// so it is reported when it starts, not at every sample it lasts. Ratios are scale-free, which is what
/// lets one threshold serve every series (the property NAB's single threshold tests).
///
/// (Numenta's Gaussian "anomaly likelihood" over recent raw scores was the first design; on NAB it
/// scored 10 against this stage's 41, because most of our raw evidence is heavy-tailed, not Gaussian.)
///
/// After an alarm, the stage holds its peace for a while (the samples of the next `hold` reference
/// intervals score 0): one anomaly raises one early alarm, not a second one an hour later when its evidence
/// edges past the record it set.
///
/// The warm-up and the hold count time, each sample its spacing up to one reference interval (as every
/// paced setting counts), not samples against a threshold paced by the current sample's spacing: there, a
/// sample that came early (the first scrape after a quick restart, 2 s after the last of a 15-s series)
/// put a settled series back in its warm-up and made a hold 7.5 times longer, and a late one (after a
/// missed scrape) ended a warm-up early.
///
/// A lasting deviation (``SustainedDeviation``) is scored the same way against a record of its own, with a
/// far longer memory: the larger of the two ratios is the score.
public struct RecordRatio: Sendable, Codable, Equatable {
    /// The decaying record of the sustained evidence.
    public internal(set) var sustainedPeak: Double = 0
    /// The record as a `Float` (arithmetic stays in `Double`): the stage is 20 bytes, not 24, and the
    /// detector packs the sustained mean's `Float` into the rest of its 8-byte stride. Rounding moves a
    /// ratio by 6 × 10⁻⁸. The decay each sample is a few units in the last place at the smallest pace
    /// (10⁻³) and the default memory, so rounding makes it up to about 15 % faster or slower there (under
    /// 1 % at a 15-s scrape); it never stalls while the memory is under 16,000 samples, the most
    /// `--set peakMemory` takes.
    private var storedPeak: Float = 0
    /// Time learnt, in units of 2⁻²⁰ of a reference interval (``units(_:)``), saturating.
    public internal(set) var elapsed: UInt32 = 0
    /// Time still held quiet after the last alarm, in the same units.
    public internal(set) var held: UInt32 = 0

    /// Units in a reference interval: 2²⁰, so a warm-up or a hold of up to 4,095 intervals fits (14 days
    /// at 5 minutes), and a hold lasts as many samples as fit in it, to the nearest (the rounding of each
    /// sample's spacing adds up to less than half a sample for the default 48 intervals above 2 s).
    public static let unitsPerInterval: UInt32 = 1 << unitShift
    /// log₂ of `unitsPerInterval`: a count of intervals shifted by it is a time in units.
    static let unitShift = 20
    /// The longest warm-up or hold, in reference intervals.
    public static let longestCount: UInt32 = UInt32.max / unitsPerInterval

    enum CodingKeys: String, CodingKey {
        case sustainedPeak, elapsed, held
        case storedPeak = "peak"
    }

    /// The decaying record of the evidence, held below `Float`'s largest finite value.
    public internal(set) var peak: Double {
        @inline(__always) get { Double(storedPeak) }
        @inline(__always) set { storedPeak = Float(narrowing: newValue) }
    }

    public init() {}

    /// Scores `evidence` (in spreads) against the decaying peak, and `sustained` evidence against its own,
    /// then lets each raise its peak by what it keeps of itself over this sample (`decay`,
    /// `sustainedDecay`: ``decay(_:_:)``). Returns 0 during the warm-up (``isWarm(after:)``), else
    /// min(1, ratio / 4) for the larger ratio: 0.25 is a new record, 1 is four times one. A score at or
    /// above `alarm` holds the samples of the next `hold` reference intervals at 0 (at most
    /// ``longestCount``). `spacing` is this sample's, in units (``units(_:)``).
    public mutating func update(
        _ evidence: Double,
        sustained: Double = 0,
        decay: Double,
        sustainedDecay: Double = 1,
        floor: Double,
        warmup: UInt32,
        alarm: Double = .infinity,
        hold: UInt32 = 0,
        spacing: UInt32 = unitsPerInterval
    ) -> Double {
        let ratio = max(evidence / max(peak, floor), sustained / max(sustainedPeak, floor))
        let (sum, overflow) = elapsed.addingReportingOverflow(spacing)
        elapsed = overflow ? .max : sum
        peak = max(peak * decay, evidence)
        sustainedPeak = max(sustainedPeak * sustainedDecay, sustained)
        guard isWarm(after: warmup) else { return 0 }
        if held > 0 {
            // Less than half of this sample's spacing left: the hold is over, and this sample is free.
            if held > spacing / 2 {
                held -= min(held, spacing)
                return 0
            }
            held = 0
        }
        let score = min(1, ratio / 4)
        if score >= alarm { held = UInt32(min(UInt64(hold) << Self.unitShift, UInt64(UInt32.max))) }
        return score
    }

    /// Whether more than `warmup` reference intervals have been learnt.
    @inline(__always)
    public func isWarm(after warmup: UInt32) -> Bool {
        UInt64(elapsed) > UInt64(min(warmup, Self.longestCount)) << Self.unitShift
    }

    /// A spacing of `pace` reference intervals in units: at most one interval (as every paced setting
    /// counts a longer gap), never 0, so every sample counts.
    @inline(__always)
    public static func units(_ pace: Double) -> UInt32 {
        pace.isFinite
            ? max(1, UInt32((min(max(pace, 0), 1) * Double(unitsPerInterval)).rounded())) : unitsPerInterval
    }

    /// This stage as a version-3 checkpoint held it, whose warm-up was counted in samples: each taken as
    /// a reference interval, so a series past its warm-up stays past it (one still in it at a faster
    /// spacing than the reference leaves it early, once, after the upgrade).
    public mutating func countWarmUpInTime() {
        elapsed = elapsed > Self.longestCount ? .max : elapsed << Self.unitShift
    }

    /// What a peak keeps of itself over one sample `pace` reference intervals after the previous one, for
    /// a memory of `memory` reference-spaced samples.
    @inline(__always)
    public static func decay(_ memory: Double, _ pace: Double) -> Double {
        pace == 1 ? 1 - 1 / memory : .exp(pace * .log(onePlus: -1 / memory))
    }
}
