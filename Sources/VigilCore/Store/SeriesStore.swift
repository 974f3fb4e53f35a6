/// A handle to one series of a ``SeriesStore``.
public struct StoreRef: Hashable, Sendable, Comparable {
    public let index: UInt32

    public init(index: UInt32) { self.index = index }

    public static func < (lhs: StoreRef, rhs: StoreRef) -> Bool { lhs.index < rhs.index }
}

/// One sample bound for a stored series.
public struct Observation: Sendable {
    public var series: StoreRef
    public var value: Double
    /// Seconds since the epoch.
    public var timestamp: Double

    public init(series: StoreRef, value: Double, timestamp: Double) {
        self.series = series
        self.value = value
        self.timestamp = timestamp
    }
}

/// Every series Vigil watches, with what it learnt about each: the final label set (target labels
/// applied), how its samples are read (``SampleRole``), the counter-rate state, the detector state and
/// the latest score.
///
/// Struct of arrays indexed by ``StoreRef``: `observe` touches a few contiguous slots and allocates
/// nothing, and a series costs its state and labels only (no object per series). A vanished series is
/// marked stale and keeps its learnt state, so a target that comes back is judged against what it used
/// to be; series gone for longer than the retention are removed by ``compact(keeping:)``, which the
/// scrape manager runs, so churn (pods replaced every day) cannot grow the store without bound.
///
/// Not thread-safe: one store belongs to one pipeline.
public final class SeriesStore {
    public let symbols: SymbolTable
    /// The detector settings every series shares.
    public let parameters: EnsembleParameters
    private var seriesLabels = SeriesLabels()
    private var roles: ContiguousArray<SampleRole> = []
    private var rates: ContiguousArray<CounterRate> = []
    private var detectors: ContiguousArray<EnsembleDetector> = []
    /// The latest score; NaN until the series has been scored, and again once it is stale.
    private var scores: ContiguousArray<Double> = []
    /// Whether the series is in ``anomalies``: spares a dictionary lookup per sample.
    private var anomalous: ContiguousArray<Bool> = []
    /// A number per series, given at registration from a counter that only grows, never reused. Kept
    /// in step with the index by ``compact(keeping:)`` (which keeps order), so serials ascend with the
    /// index: a reader that walks the store in pieces resumes by serial and neither skips nor repeats
    /// a series when a compaction renumbered them in between.
    private var serials: ContiguousArray<UInt64> = []
    private var nextSerial: UInt64 = 0
    /// Series whose latest score is at or above the alarm threshold, with the evidence.
    public private(set) var anomalies: [StoreRef: Anomaly] = [:]
    /// Anomalies that ended, newest last, at most ``endedAnomalyLimit``.
    public private(set) var endedAnomalies: [Anomaly] = []
    public let endedAnomalyLimit = 256

    public init(symbols: SymbolTable = SymbolTable(), parameters: EnsembleParameters = EnsembleParameters()) {
        self.symbols = symbols
        self.parameters = parameters
    }

    /// How many series are known.
    public var count: Int { seriesLabels.count }

    /// The series with these labels, created on first sight. A series seen before keeps its state while
    /// it is read the same way; registered with another role it starts over: a detector that learnt raw
    /// values would judge rates against them, and the other way round. (A scrape registers a series when
    /// its target's series cache first maps it: after a backfill from Prometheus, which knows no types
    /// and guessed the role from the name, and after an exporter retyped a metric, once the cache is
    /// renewed.)
    public func register(_ labels: LabelSet, role: SampleRole) -> StoreRef {
        if let known = seriesLabels.index(of: labels) {
            if roles[known] != role {
                roles[known] = role
                rates[known] = CounterRate()
                detectors[known] = EnsembleDetector(parameters: parameters)
                scores[known] = .nan
                if anomalous[known] {
                    anomalous[known] = false
                    end(StoreRef(index: UInt32(known)))
                }
            }
            return StoreRef(index: UInt32(known))
        }
        let ref = StoreRef(index: UInt32(seriesLabels.append(labels)))
        roles.append(role)
        rates.append(CounterRate())
        detectors.append(EnsembleDetector(parameters: parameters))
        scores.append(.nan)
        anomalous.append(false)
        serials.append(nextSerial)
        nextSerial += 1
        return ref
    }

    /// The series with these labels, registered as ``register(_:role:)`` does, unless it is new and the
    /// store already holds `limit` series: then nil, and its label values are not interned (a refused
    /// series must leave nothing behind).
    public func admit(_ pairs: [(name: String, value: String)], role: SampleRole, limit: Int) -> StoreRef? {
        guard count >= limit else { return register(LabelSet(pairs, symbols: symbols), role: role) }
        guard let known = LabelSet(existing: pairs, symbols: symbols), ref(of: known) != nil else { return nil }
        return register(known, role: role)
    }

    /// The series's serial: unique for the store's lifetime, ascending with the index.
    public func serial(of ref: StoreRef) -> UInt64 { serials[Int(ref.index)] }

    /// The index of the first series whose serial is at least `serial` (``count`` when none is).
    public func firstIndex(atOrAfterSerial serial: UInt64) -> Int {
        var low = 0
        var high = serials.count
        while low < high {
            let middle = (low + high) / 2
            if serials[middle] < serial { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The series with these labels, if the store holds it.
    public func ref(of labels: LabelSet) -> StoreRef? {
        seriesLabels.index(of: labels).map { StoreRef(index: UInt32($0)) }
    }

    public func labels(of ref: StoreRef) -> LabelSet { seriesLabels.labels(at: Int(ref.index)) }
    /// The labels as the store keeps them, copied nowhere: for a reader of every series (`/metrics`).
    public func labelPairs(of ref: StoreRef) -> ArraySlice<LabelSet.Label> {
        seriesLabels.storedPairs(at: Int(ref.index))
    }
    public func role(of ref: StoreRef) -> SampleRole { roles[Int(ref.index)] }
    func rate(of ref: StoreRef) -> CounterRate { rates[Int(ref.index)] }
    func detector(of ref: StoreRef) -> EnsembleDetector { detectors[Int(ref.index)] }

    func restore(_ ref: StoreRef, rate: CounterRate, detector: EnsembleDetector) {
        rates[Int(ref.index)] = rate
        detectors[Int(ref.index)] = detector
    }

    /// The latest score, or nil when the series has none (not scored yet, skipped, or stale).
    public func score(of ref: StoreRef) -> Double? {
        let score = scores[Int(ref.index)]
        return score.isNaN ? nil : score
    }

    /// Takes one sample (`timestamp` in seconds since the epoch) of a series scraped every `interval`
    /// seconds: a gauge is scored as it is, a cumulative series by its rate since the previous sample.
    public func observe(_ ref: StoreRef, value: Double, at timestamp: Double, interval: Double = 15) {
        take(CollectionOfOne(Observation(series: ref, value: value, timestamp: timestamp)), interval: interval)
    }

    /// Takes a scrape's samples.
    public func observe(_ batch: ScrapeBatch) { take(batch, interval: batch.interval) }

    /// Takes samples of any series, each series's in time order (a history replayed at `interval`).
    public func observe(contentsOf observations: some Sequence<Observation>, interval: Double) {
        take(observations, interval: interval)
    }

    /// The arrays are opened once for the whole batch: per sample there is no exclusivity check, no
    /// reference counting and no allocation; and the settings are paced once for the batch's spacing,
    /// not once a sample (``PacedSettings``).
    private func take(_ batch: some Sequence<Observation>, interval: Double) {
        let parameters = self.parameters
        let staleAfter = CounterRate.staleAfter(interval: interval)
        var paced = PacedSettings()
        var alarms: [(StoreRef, DetectorOutput, Double)] = []
        var ended: [StoreRef] = []
        roles.withUnsafeBufferPointer { roles in
            rates.withUnsafeMutableBufferPointer { rates in
                detectors.withUnsafeMutableBufferPointer { detectors in
                    scores.withUnsafeMutableBufferPointer { scores in
                        anomalous.withUnsafeMutableBufferPointer { anomalous in
                            for observation in batch {
                                let index = Int(observation.series.index)
                                let measured: Double
                                switch roles[index] {
                                case .skipped:
                                    continue
                                case .gauge:
                                    // A second sample at the instant last scored (the series twice in
                                    // one scrape, or an exposition timestamp that has not moved): the
                                    // first stands, as Prometheus keeps it. Rates skip these themselves.
                                    // (An earlier one is scored: the scrape's own time goes back when
                                    // the host's clock steps back, and skipping would silence `up`.)
                                    guard detectors[index].previousTimestamp != observation.timestamp else {
                                        continue
                                    }
                                    measured = observation.value
                                case .cumulative:
                                    // The first rate after a reset is a lower bound: scored, every deploy
                                    // would read as a drop.
                                    guard
                                        let rate = rates[index].update(
                                            observation.value,
                                            at: observation.timestamp,
                                            staleAfter: staleAfter,
                                            resets: .skip
                                        )
                                    else { continue }
                                    measured = rate
                                }
                                let output = detectors[index].observe(
                                    measured,
                                    at: observation.timestamp,
                                    parameters: parameters,
                                    paced: &paced
                                )
                                guard measured.isFinite else { continue }
                                scores[index] = output.score
                                if output.score >= EnsembleDetector.alarmThreshold {
                                    anomalous[index] = true
                                    alarms.append((observation.series, output, observation.timestamp))
                                } else if anomalous[index] {
                                    anomalous[index] = false
                                    ended.append(observation.series)
                                }
                            }
                        }
                    }
                }
            }
        }
        for (ref, output, timestamp) in alarms { record(ref, output, at: timestamp) }
        for ref in ended { end(ref) }
    }

    /// The series vanished (the target stopped exposing it, or the scrape failed): no score is published
    /// for it and a counter's rate starts over when it returns.
    public func markStale(_ ref: StoreRef) {
        let index = Int(ref.index)
        _ = rates[index].update(StalenessMarker.value, at: 0)
        scores[index] = .nan
        if anomalous[index] {
            anomalous[index] = false
            end(ref)
        }
    }

    /// Removes every series `keep` rejects, renumbering the rest in order. Returns, for each old index,
    /// the new ``StoreRef``, or nil for a removed series: holders of references must remap them.
    public func compact(keeping keep: (StoreRef) -> Bool) -> [StoreRef?] {
        var remap: [StoreRef?] = []
        remap.reserveCapacity(count)
        var kept = 0
        for index in 0..<count {
            let ref = StoreRef(index: UInt32(index))
            guard keep(ref) else {
                remap.append(nil)
                continue
            }
            remap.append(StoreRef(index: UInt32(kept)))
            if kept != index {
                roles[kept] = roles[index]
                rates[kept] = rates[index]
                detectors[kept] = detectors[index]
                scores[kept] = scores[index]
                anomalous[kept] = anomalous[index]
                serials[kept] = serials[index]
            }
            kept += 1
        }
        let removed = count - kept
        if removed > 0 {
            seriesLabels.compact { remap[$0] != nil }
            roles.removeLast(removed)
            rates.removeLast(removed)
            detectors.removeLast(removed)
            scores.removeLast(removed)
            anomalous.removeLast(removed)
            serials.removeLast(removed)
        }
        // The removed series's label values (old pod names) go with them; the store holds every symbol in use.
        if removed > 0 { symbols.release(keepingOnlySymbolsOf: seriesLabels.allPairs) }
        anomalies = Dictionary(
            uniqueKeysWithValues: anomalies.compactMap { ref, anomaly in
                remap[Int(ref.index)].map { ($0, anomaly.moved(to: $0)) }
            }
        )
        endedAnomalies = endedAnomalies.compactMap { anomaly in remap[Int(anomaly.series.index)].map(anomaly.moved) }
        return remap
    }

    private func record(_ ref: StoreRef, _ output: DetectorOutput, at timestamp: Double) {
        if var anomaly = anomalies[ref] {
            anomaly.update(output, at: timestamp)
            anomalies[ref] = anomaly
        } else {
            anomalies[ref] = Anomaly(series: ref, output: output, at: timestamp)
        }
    }

    private func end(_ ref: StoreRef) {
        guard let anomaly = anomalies.removeValue(forKey: ref) else { return }
        if endedAnomalies.count == endedAnomalyLimit { endedAnomalies.removeFirst() }
        endedAnomalies.append(anomaly)
    }
}
