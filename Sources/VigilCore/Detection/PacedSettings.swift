/// The ensemble's settings paced for one spacing of samples: each smoothing, memory and count converted
/// from reference intervals (``EnsembleParameters/referenceInterval``) to samples this far apart.
///
/// Pacing a setting costs a logarithm and an exponential — a quarter of a 15-second series's update when
/// done every sample — yet nearly every series of a scrape has the same spacing: the scrape's timestamp
/// less the previous scrape's (not a new series, nor one back from a gap, nor samples carrying their own
/// timestamps). So a caller that scores many series keeps one of these, and
/// ``EnsembleDetector/observe(_:at:parameters:paced:)`` recomputes it only when the spacing changes.
/// The values are the same whether recomputed or kept, so scores do not depend on who keeps it.
/// One is valid for one ``EnsembleParameters``: a caller with two sets of settings keeps two (debug
/// builds check it).
public struct PacedSettings: Sendable {
    /// The spacing, in reference intervals (``EnsembleDetector/pace(since:at:reference:)``); NaN in one
    /// that holds nothing yet, which no spacing equals.
    public private(set) var pace = Double.nan
    var minimumSamples: UInt32 = 0
    /// The spacing in ``RecordRatio``'s units of time.
    var spacing: UInt32 = 0
    var levelAlpha = 0.0
    var differenceAlpha = 0.0
    var seasonalAlpha = 0.0
    var sustainedAlpha = 0.0
    var peakDecay = 0.0
    var sustainedDecay = 0.0
    var recordFloor = 0.0
    #if DEBUG
    /// The settings these were paced from.
    private var parameters: EnsembleParameters?
    #endif

    /// One that holds nothing yet: the first sample computes it.
    public init() {}

    init(_ parameters: EnsembleParameters, pace: Double) {
        self.pace = pace
        #if DEBUG
        self.parameters = parameters
        #endif
        minimumSamples = EnsembleDetector.paced(parameters.minimumSamples, pace)
        spacing = RecordRatio.units(pace)
        levelAlpha = EnsembleDetector.paced(parameters.levelAlpha, pace)
        differenceAlpha = EnsembleDetector.paced(parameters.differenceAlpha, pace)
        seasonalAlpha = EnsembleDetector.paced(parameters.seasonalAlpha, pace)
        sustainedAlpha = EnsembleDetector.paced(parameters.sustainedAlpha, pace)
        peakDecay = RecordRatio.decay(parameters.peakMemory, pace)
        sustainedDecay = RecordRatio.decay(parameters.sustainedMemory, pace)
        recordFloor = EnsembleDetector.pacedFloor(parameters.peakFloor, pace)
    }

    /// Holds the settings paced for `pace`, recomputing them only if it holds another spacing's.
    @inline(__always)
    mutating func pace(_ parameters: EnsembleParameters, to pace: Double) {
        #if DEBUG
        assert(
            self.parameters == nil || self.parameters == parameters,
            "paced settings kept across two sets of settings"
        )
        #endif
        if pace != self.pace { self = PacedSettings(parameters, pace: pace) }
    }
}
