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
/// After an alarm, the stage holds its peace for a while (`hold` reference intervals of time score 0): one
/// anomaly raises one early alarm, not a second one an hour later when its evidence edges past the record
/// it set.
///
/// A count of samples is paced by one sample's spacing (``PacedSettings``), so a sample that comes early
/// (the first scrape after a quick restart, 2 s after the last of a 15-s series) would put the warm-up
/// 150 times further off, and a hold counted in samples would last 150 times longer. So the warm-up, once
/// over, is over for good, and the hold counts time, not samples.
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
    /// Samples seen while warming up; `.max` once the warm-up is over.
    public internal(set) var count: UInt32 = 0
    /// Time still held quiet after the last alarm, in ``holdUnit``s.
    public internal(set) var held: UInt32 = 0

    /// The hold's unit: 1/65,536 of a reference interval, so a hold of up to 65,535 intervals fits (a longer one is cut to that), and
    /// the shortest pace (10⁻³) counts 66 units (rounded by under 1 %).
    static let holdUnit = 1.0 / 65_536

    enum CodingKeys: String, CodingKey {
        case sustainedPeak, count, held
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
    /// `sustainedDecay`: ``decay(_:_:)``). Returns 0 during warm-up (until more than `warmup` samples;
    /// then never again, ``count`` becoming `.max`), else min(1, ratio / 4) for the larger ratio: 0.25 is
    /// a new record, 1 is four times one. A score at or above `alarm` holds the samples of the next `hold`
    /// reference intervals at 0, this sample coming `pace` reference intervals after the previous one.
    public mutating func update(
        _ evidence: Double,
        sustained: Double = 0,
        decay: Double,
        sustainedDecay: Double = 1,
        floor: Double,
        warmup: UInt32,
        alarm: Double = .infinity,
        hold: UInt32 = 0,
        pace: Double = 1
    ) -> Double {
        let ratio = max(evidence / max(peak, floor), sustained / max(sustainedPeak, floor))
        if count < UInt32.max { count += 1 }
        peak = max(peak * decay, evidence)
        sustainedPeak = max(sustainedPeak * sustainedDecay, sustained)
        guard count > warmup else { return 0 }
        count = .max
        guard held == 0 else {
            held -= min(held, max(1, UInt32((pace / Self.holdUnit).rounded())))
            return 0
        }
        let score = min(1, ratio / 4)
        if score >= alarm { held = UInt32(min(Double(hold) / Self.holdUnit, Double(UInt32.max))) }
        return score
    }

    /// What a peak keeps of itself over one sample `pace` reference intervals after the previous one, for
    /// a memory of `memory` reference-spaced samples.
    @inline(__always)
    public static func decay(_ memory: Double, _ pace: Double) -> Double {
        pace == 1 ? 1 - 1 / memory : .exp(pace * .log(onePlus: -1 / memory))
    }
}
