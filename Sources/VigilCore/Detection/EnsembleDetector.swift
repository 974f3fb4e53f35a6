import RealModule

/// Settings of the default ensemble, shared by every series a detector bank watches.
///
/// The defaults were chosen on NAB's public dev partition with one configuration for every file (see
/// docs/DETECTION.md): the score follows the seasonal baseline once it has learnt this time of day, the
/// level baseline (at 0.7 weight) before that; spike and change-point evidence is reported in
/// `fired` for diagnosis but, at NAB's single threshold, only added false alarms, so it weighs 0.
public struct EnsembleParameters: Sendable, Codable, Equatable {
    /// Which component detectors run.
    public var components: DetectorComponents = [.level, .seasonal, .changePoint, .spike]
    /// Weights of each component's evidence in the combined score (a weighted maximum).
    public var levelWeight = 0.7
    public var spikeWeight = 0.0
    public var changeWeight = 0.0
    /// Smoothing of the level baseline (≈ 1/alpha samples of memory).
    public var levelAlpha = 0.01
    /// Smoothing of the first-difference baseline of the spike detector.
    public var differenceAlpha = 0.01
    /// Seasonal period in seconds, its bins, and their smoothing.
    public var seasonalPeriod: Double = 86_400
    public var seasonalBins = 24
    public var seasonalAlpha = 0.1
    /// A baseline — the level, the step size, or a seasonal bin — judges only once it has learnt from more
    /// than this many samples; until a bin has, the level baseline stands in for it. (Without this, a
    /// bin that had seen three identical values had a spread of nearly zero, scored the next ordinary
    /// value at thousands of spreads, and that record masked the series's real anomalies for days:
    /// 50.3 → 65.7 on NAB.)
    public var minimumSamples: UInt32 = 10
    /// CUSUM slack and threshold, in spreads.
    public var changeSlack = 0.5
    public var changeThreshold = 12.0
    /// The record-ratio stage: memory of the decaying peak (samples), its floor (spreads, at the reference
    /// spacing: faster samples raise it so noise reaches it as often per hour, `EnsembleDetector.pacedFloor`),
    /// warm-up (reference intervals of time learnt before a score, ``RecordRatio/isWarm(after:)``; at most
    /// ``RecordRatio/longestCount``).
    public var peakMemory = 2000.0
    public var peakFloor = 4.0
    public var warmupSamples: UInt32 = 300
    /// Reference intervals of time after an alarm (a score at ``EnsembleDetector/alarmThreshold``) whose
    /// samples score 0 (counted in time, ``RecordRatio``; at most ``RecordRatio/longestCount``): one
    /// anomaly, one early alarm. NAB rewards the first detection in a window and charges every one outside
    /// it; 4 hours of 5-minute samples (24 to 72 score the same; see docs/DETECTION.md).
    public var alarmHold: UInt32 = 48
    /// The sustained deviation (``SustainedDeviation``): smoothing of the mean residual, the clip on each
    /// residual (spreads), and the memory of its own record (samples: 16,000 five-minute samples, 56
    /// days, so one long incident is not forgotten by the next). Chosen by nested cross-validation on NAB
    /// (docs/DETECTION.md); `sustainedAlpha = 0` turns it off.
    public var sustainedAlpha = 0.2
    public var sustainedClip = 8.0
    public var sustainedMemory = 16_000.0
    /// The interval the settings above are counted in: an alpha, a memory or a count of samples means
    /// that many samples of this spacing (5 minutes, NAB's, where they were chosen). A series sampled
    /// faster learns and forgets per unit of time, not per sample, so a 15-second scrape does not shrink a
    /// seasonal bin's memory of yesterday to its last 2.5 minutes, nor trust a bin after 3 minutes of its
    /// hour. A series sampled more slowly counts in samples, as before.
    public var referenceInterval: Double = 300
    /// Which deviations count.
    public var direction = DetectionDirection.both
    /// Deviations below this fraction of the level never count (a flat series's 0.1 % wobble), nor
    /// below the absolute floor.
    public var minimumRelativeDeviation = 0.005
    public var minimumAbsoluteDeviation = 1e-9

    public init() {}

    /// Decodes settings a checkpoint wrote. A setting its writer did not know (`alarmHold`, in an older
    /// Vigil's checkpoint) keeps its default, so an upgrade does not throw away a day of learning.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func read<Value: Decodable>(_ key: CodingKeys, into value: inout Value) throws {
            if let decoded = try container.decodeIfPresent(Value.self, forKey: key) { value = decoded }
        }
        try read(.components, into: &components)
        try read(.levelWeight, into: &levelWeight)
        try read(.spikeWeight, into: &spikeWeight)
        try read(.changeWeight, into: &changeWeight)
        try read(.levelAlpha, into: &levelAlpha)
        try read(.differenceAlpha, into: &differenceAlpha)
        try read(.seasonalPeriod, into: &seasonalPeriod)
        try read(.seasonalBins, into: &seasonalBins)
        try read(.seasonalAlpha, into: &seasonalAlpha)
        try read(.minimumSamples, into: &minimumSamples)
        try read(.changeSlack, into: &changeSlack)
        try read(.changeThreshold, into: &changeThreshold)
        try read(.peakMemory, into: &peakMemory)
        try read(.peakFloor, into: &peakFloor)
        try read(.warmupSamples, into: &warmupSamples)
        try read(.alarmHold, into: &alarmHold)
        try read(.sustainedAlpha, into: &sustainedAlpha)
        try read(.sustainedClip, into: &sustainedClip)
        try read(.sustainedMemory, into: &sustainedMemory)
        try read(.referenceInterval, into: &referenceInterval)
        try read(.direction, into: &direction)
        try read(.minimumRelativeDeviation, into: &minimumRelativeDeviation)
        try read(.minimumAbsoluteDeviation, into: &minimumAbsoluteDeviation)
    }

    /// One component alone, at full weight (`vigil detect --detector spike`).
    public static func only(_ component: DetectorComponents) -> EnsembleParameters {
        var parameters = EnsembleParameters()
        parameters.components = component
        parameters.levelWeight = 1
        parameters.spikeWeight = 1
        parameters.changeWeight = 1
        parameters.sustainedAlpha = 0  // the component alone, not averaged
        if component == .changePoint {
            // The change-point detector reads the level detector's residuals; run it, weightless.
            parameters.components = [.level, .changePoint]
            parameters.levelWeight = 0
        }
        return parameters
    }
}

/// The default detector: a robust level, a seasonal baseline, a CUSUM change-point detector and a spike
/// detector give evidence in robust spreads; the record-ratio stage scores it against the series's own
/// recent extremes.
///
/// State without seasonality is 96 bytes; the daily profile adds 24 bins of 8 bytes (``SeasonalBin``),
/// made when the series first varies.
public struct EnsembleDetector: Detector, Equatable {
    /// The score at which Vigil calls a sample anomalous: 1.2 times the series's recent record
    /// (NAB's optimal single threshold for this detector was 0.289).
    public static let alarmThreshold = 0.3

    public internal(set) var level = RobustLevel()
    public internal(set) var difference = RobustLevel()
    @PackedOptional public internal(set) var previousValue: Double? = nil
    /// The previous finite sample's timestamp: the spacing that paces learning (`referenceInterval`).
    @PackedOptional public internal(set) var previousTimestamp: Double? = nil
    public internal(set) var change = ChangePointDetector()
    public internal(set) var seasonal: SeasonalProfile?
    public internal(set) var stage = RecordRatio()
    /// After the stage, whose 20 bytes leave 4 of an 8-byte stride for the mean's `Float`.
    public internal(set) var sustained = SustainedDeviation()
    /// Start of the current run of samples on which a component fired; nil while normal.
    @PackedOptional public internal(set) var deviatingSince: Double? = nil

    /// The daily profile is made when the series first varies (``makeProfileOnFirstChange``), not here.
    public init(parameters: EnsembleParameters) {}

    public mutating func observe(
        _ value: Double,
        at timestamp: Double,
        parameters: EnsembleParameters
    ) -> DetectorOutput {
        var paced = PacedSettings()
        return observe(value, at: timestamp, parameters: parameters, paced: &paced)
    }

    /// Observes the next sample with `paced` holding the settings paced for the last spacing seen (kept
    /// by a caller that scores many series, all of them with `parameters`: ``PacedSettings``). The score
    /// is the same as without it.
    public mutating func observe(
        _ value: Double,
        at timestamp: Double,
        parameters: EnsembleParameters,
        paced: inout PacedSettings
    ) -> DetectorOutput {
        // NaN and ±Inf are no measurements (a staleness marker, a broken exporter): they are not scored
        // and leave the state untouched, so one cannot blind the detector for good.
        guard value.isFinite else {
            return DetectorOutput(
                score: 0,
                observed: value,
                expected: level.mean,
                spread: level.spread(floor: 0),
                deviation: 0
            )
        }
        let floor = max(
            parameters.minimumRelativeDeviation * level.mean.magnitude,
            parameters.minimumAbsoluteDeviation
        )
        let direction = parameters.direction
        let components = parameters.components
        paced.pace(
            parameters,
            to: Self.pace(since: previousTimestamp, at: timestamp, reference: parameters.referenceInterval)
        )
        let minimumSamples = paced.minimumSamples
        var evidence = 0.0
        var fired: DetectorComponents = []

        // Level: how far from the recent robust level.
        var expected = level.count == 0 ? value : level.mean
        var spread = level.spread(floor: floor)
        let levelDeviation = level.deviation(of: value, floor: floor, minimumSamples: minimumSamples)
        let rawLevelEvidence = components.contains(.level) ? direction.effective(levelDeviation) : 0
        var levelEvidence = rawLevelEvidence * parameters.levelWeight
        var levelComponent = DetectorComponents.level

        // Seasonal: how far from what this time of period usually looks like. Once this time of period
        // is learnt, it replaces the level baseline: day-to-day variation at the same hour is the
        // better yardstick, and a daily peak is no anomaly.
        if components.contains(.seasonal) {
            makeProfileOnFirstChange(value, at: timestamp, parameters: parameters, paced: paced)
        }
        var seasonalResidual = 0.0
        // The bin is found once: the lookup divides the timestamp by the period.
        let binIndex = seasonal?.bin(at: timestamp, period: parameters.seasonalPeriod) ?? 0
        if let seasonal {
            let bin = seasonal.bins[binIndex].level
            if bin.count > minimumSamples {
                let binFloor = max(
                    parameters.minimumRelativeDeviation * bin.mean.magnitude,
                    parameters.minimumAbsoluteDeviation
                )
                seasonalResidual = bin.deviation(of: value, floor: binFloor)
                levelEvidence = direction.effective(seasonalResidual)
                levelComponent = .seasonal
                expected = bin.mean
                spread = bin.spread(floor: binFloor)
            }
        }
        // The component whose weighted evidence is largest sets the score and is the evidence's basis.
        evidence = levelEvidence
        var basis = levelComponent
        let baseline = (expected: expected, spread: spread)
        let componentEvidence = levelComponent == .seasonal ? levelEvidence : rawLevelEvidence
        if componentEvidence >= parameters.peakFloor { fired.insert(levelComponent) }

        // Sustained: the same baseline's residuals, averaged (the level's weighted as its evidence is).
        var sustainedEvidence = 0.0
        if parameters.sustainedAlpha > 0 {
            let residual = levelComponent == .seasonal ? seasonalResidual : levelDeviation * parameters.levelWeight
            sustainedEvidence = direction.effective(
                sustained.update(
                    residual,
                    alpha: paced.sustainedAlpha,
                    referenceAlpha: parameters.sustainedAlpha,
                    clip: parameters.sustainedClip
                )
            )
            if sustainedEvidence >= parameters.peakFloor { fired.insert(.sustained) }
        }

        // Spike: how unusual the step from the previous sample is.
        if components.contains(.spike), let previousValue {
            let step = (value - previousValue).heldFinite
            let spikeEvidence = direction.effective(
                difference.deviation(of: step, floor: floor, minimumSamples: minimumSamples)
            )
            if spikeEvidence * parameters.spikeWeight > evidence {
                evidence = spikeEvidence * parameters.spikeWeight
                basis = .spike
                expected = previousValue + difference.mean
                spread = difference.spread(floor: floor)
            }
            difference.update(step, alpha: paced.differenceAlpha)
            if spikeEvidence >= parameters.peakFloor { fired.insert(.spike) }
        }

        // Change point: sustained drift of the standardised level residual.
        if components.contains(.changePoint) {
            let changeEvidence = direction.effective(
                change.update(
                    deviation: max(-4, min(4, levelDeviation)),
                    slack: parameters.changeSlack,
                    threshold: parameters.changeThreshold
                )
            )
            // In units of its threshold; ×4 puts a just-detected change level with a 4-spread deviation.
            if changeEvidence * 4 * parameters.changeWeight > evidence {
                evidence = changeEvidence * 4 * parameters.changeWeight
                // A change point has no expectation of its own: it judges the level's residuals.
                basis = .changePoint
                expected = level.count == 0 ? value : level.mean
                spread = level.spread(floor: floor)
            }
            if changeEvidence >= 1 { fired.insert(.changePoint) }
        }

        level.update(value, alpha: paced.levelAlpha)
        seasonal?.update(value, inBin: binIndex, alpha: paced.seasonalAlpha)
        previousValue = value
        previousTimestamp = timestamp

        let recordFloor = paced.recordFloor
        // Where the lasting deviation sets the score, the evidence is the baseline's, found by it.
        if sustainedEvidence / max(stage.sustainedPeak, recordFloor) > evidence / max(stage.peak, recordFloor) {
            basis = levelComponent.union(.sustained)
            expected = baseline.expected
            spread = baseline.spread
        }
        let score = stage.update(
            evidence,
            sustained: sustainedEvidence,
            decay: paced.peakDecay,
            sustainedDecay: paced.sustainedDecay,
            floor: recordFloor,
            warmup: parameters.warmupSamples,
            alarm: Self.alarmThreshold,
            hold: parameters.alarmHold,
            spacing: paced.spacing
        )
        // Evidence is reported once past warm-up, also while the stage holds its score after an alarm:
        // the anomaly still says since when.
        let reported = stage.isWarm(after: parameters.warmupSamples) ? fired : []
        if reported.isEmpty {
            deviatingSince = nil
        } else if deviatingSince == nil {
            deviatingSince = timestamp
        }
        return DetectorOutput(
            score: score,
            observed: value,
            expected: expected,
            spread: spread,
            deviation: (value - expected) / spread,
            fired: reported,
            basis: basis,
            since: deviatingSince
        )
    }

    /// Makes the daily profile when `value` is the series's first change: until then every bin would hold
    /// the one value the level holds, so a constant series (most of kube-state-metrics) spends no 24 bins
    /// on it. The profile made is the one the series would have learnt from the start
    /// (``SeasonalProfile/init(constant:samples:spacing:last:enough:period:binCount:)``), so scores are the
    /// same wherever the constant samples were regularly spaced.
    @inline(__always)
    mutating func makeProfileOnFirstChange(
        _ value: Double,
        at timestamp: Double,
        parameters: EnsembleParameters,
        paced: PacedSettings
    ) {
        // Until the first change the level holds the constant exactly, with no spread; once made, the
        // profile is never dropped, so a series gets one at most once.
        guard seasonal == nil, level.count > 0, level.meanAbsoluteDeviation == 0, value != level.mean,
            let previousTimestamp
        else { return }
        // Past this count a bin is trusted and learns at its settled rate: more changes nothing.
        let settled = 1 / paced.seasonalAlpha
        let enough = max(paced.minimumSamples, UInt32(min(settled, 65_535))) + 1
        seasonal = SeasonalProfile(
            constant: level.mean,
            samples: level.count,
            spacing: timestamp - previousTimestamp,
            last: previousTimestamp,
            enough: enough,
            period: parameters.seasonalPeriod,
            binCount: parameters.seasonalBins
        )
    }

    /// The spacing since the previous sample in reference intervals, in (0, 1]: 1 for the first sample,
    /// a sample spaced at least `reference` apart, or a timestamp that makes no sense; never 0, so a
    /// repeated timestamp still teaches a little.
    @inline(__always)
    static func pace(since previous: Double?, at timestamp: Double, reference: Double) -> Double {
        guard let previous else { return 1 }
        let ratio = (timestamp - previous) / reference
        return ratio.isFinite ? min(max(ratio, 1e-3), 1) : 1
    }

    /// A per-sample smoothing factor for a sample `pace` reference intervals after the previous one: the
    /// same forgetting per unit of time.
    @inline(__always)
    static func paced(_ alpha: Double, _ pace: Double) -> Double {
        pace == 1 ? alpha : -.expMinusOne(pace * .log(onePlus: -alpha))
    }

    /// The record stage's floor (in spreads) for a sample `pace` reference intervals after the previous
    /// one: the evidence that Gaussian noise reaches as often per unit of time as it reaches `floor` at
    /// the reference spacing. A 15-s scrape draws 20 samples where NAB's 5-minute files draw one, so a
    /// floor counted per sample let noise set a record 20 times as often a day (P(z > x) ≈ e^(−x²/2),
    /// so x² grows by 2 ln(1/pace)): 4 spreads at 5 minutes, 4.69 at 15 s.
    @inline(__always)
    static func pacedFloor(_ floor: Double, _ pace: Double) -> Double {
        pace == 1 ? floor : (floor * floor - 2 * .log(pace)).squareRoot()
    }

    /// A count of reference-spaced samples as a count of samples spaced `pace` apart.
    @inline(__always)
    static func paced(_ samples: UInt32, _ pace: Double) -> UInt32 {
        pace == 1 ? samples : UInt32(min(Double(samples) / pace, Double(UInt32.max)))
    }
}
