/// What a ``SeriesStore`` has learnt, as plain values: the payload of a state checkpoint.
public struct StoreSnapshot: Sendable, Equatable {
    public struct Series: Sendable, Equatable {
        /// Label names and values, alternating, sorted by name.
        public var labels: [String]
        public var role: SampleRole
        public var rate: CounterRate
        public var detector: EnsembleDetector
    }

    /// The settings the detectors learnt under: state learnt under other settings is not reused.
    public var parameters: EnsembleParameters
    public var series: [Series]

    public init(parameters: EnsembleParameters, series: [Series]) {
        self.parameters = parameters
        self.series = series
    }

    /// The snapshot a version-3 checkpoint held, whose detectors counted their warm-up in samples
    /// (``RecordRatio/countWarmUpInTime()``).
    public mutating func countWarmUpInTime() {
        for index in series.indices { series[index].detector.stage.countWarmUpInTime() }
    }
}

extension SeriesStore {
    /// Everything learnt so far.
    public func snapshot() -> StoreSnapshot {
        var series: [StoreSnapshot.Series] = []
        series.reserveCapacity(count)
        for index in 0..<count {
            let ref = StoreRef(index: UInt32(index))
            series.append(
                StoreSnapshot.Series(
                    labels: labels(of: ref).pairs(in: symbols).flatMap { [$0.name, $0.value] },
                    role: role(of: ref),
                    rate: rate(of: ref),
                    detector: detector(of: ref)
                )
            )
        }
        return StoreSnapshot(parameters: parameters, series: series)
    }

    /// Takes back what a snapshot learnt. Returns false, changing nothing, when the snapshot was taken
    /// under other detector settings (its state would mean something else now).
    @discardableResult
    public func restore(_ snapshot: StoreSnapshot) -> Bool {
        guard snapshot.parameters == parameters else { return false }
        for series in snapshot.series where series.labels.count.isMultiple(of: 2) {
            let pairs = stride(from: 0, to: series.labels.count, by: 2).map {
                (name: series.labels[$0], value: series.labels[$0 + 1])
            }
            let ref = register(LabelSet(pairs, symbols: symbols), role: series.role)
            restore(ref, rate: series.rate, detector: series.detector)
        }
        return true
    }
}
