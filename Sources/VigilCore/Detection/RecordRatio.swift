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
/// After an alarm, the stage holds its peace for a while (`hold` samples score 0): one anomaly raises
/// one early alarm, not a second one an hour later when its evidence edges past the record it set.
/// The countdown fits the padding after `count`, so it costs no byte.
public struct RecordRatio: Sendable, Codable, Equatable {
    public internal(set) var peak: Double = 0
    public internal(set) var count: UInt32 = 0
    /// Samples still held quiet after the last alarm.
    public internal(set) var held: UInt32 = 0

    public init() {}

    /// Scores `evidence` (in spreads) against the decaying peak, then lets it raise the peak.
    /// Returns 0 during warm-up, else min(1, ratio / 4): 0.25 is a new record, 1 is four times one.
    /// `memory` counts samples spaced one reference interval apart; `pace` is this sample's spacing in
    /// those intervals (see ``EnsembleParameters/referenceInterval``). A score at or above `alarm` holds
    /// the next `hold` samples at 0.
    public mutating func update(
        _ evidence: Double,
        memory: Double,
        floor: Double,
        warmup: UInt32,
        pace: Double = 1,
        alarm: Double = .infinity,
        hold: UInt32 = 0
    ) -> Double {
        let ratio = evidence / max(peak, floor)
        if count < UInt32.max { count += 1 }
        let decay = pace == 1 ? 1 - 1 / memory : .exp(pace * .log(onePlus: -1 / memory))
        peak = max(peak * decay, evidence)
        guard count > warmup else { return 0 }
        guard held == 0 else {
            held -= 1
            return 0
        }
        let score = min(1, ratio / 4)
        if score >= alarm { held = hold }
        return score
    }
}
