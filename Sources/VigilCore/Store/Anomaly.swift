/// One series's run of anomalous scores, with the evidence an on-call engineer would ask for: what was
/// seen, what was expected, how far off, which detectors fired, since when.
public struct Anomaly: Sendable, Equatable {
    public private(set) var series: StoreRef
    /// The latest output at or above the alarm threshold.
    public private(set) var latest: DetectorOutput
    /// When it started (seconds since the epoch): the first anomalous sample's time, or the earlier
    /// moment the detector saw the deviation begin.
    public let startedAt: Double
    /// The latest anomalous sample's time.
    public private(set) var lastSeenAt: Double
    /// The highest score of the run.
    public private(set) var peakScore: Double

    init(series: StoreRef, output: DetectorOutput, at timestamp: Double) {
        self.series = series
        latest = output
        startedAt = min(output.since ?? timestamp, timestamp)
        lastSeenAt = timestamp
        peakScore = output.score
    }

    /// The same anomaly under the series's new reference (after the store was compacted).
    func moved(to series: StoreRef) -> Anomaly {
        var moved = self
        moved.series = series
        return moved
    }

    mutating func update(_ output: DetectorOutput, at timestamp: Double) {
        latest = output
        lastSeenAt = timestamp
        peakScore = max(peakScore, output.score)
    }
}
