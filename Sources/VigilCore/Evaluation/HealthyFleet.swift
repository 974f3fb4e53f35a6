import RealModule

/// A deterministic fleet of healthy, production-shaped series, for measuring what a detector raises when
/// nothing is wrong: node_exporter, kube-state-metrics and application series with daily cycles that
/// differ from day to day, deploys that change nothing (the process restarts, its counters reset, its
/// target misses a scrape or two) and scrape gaps. Series are produced as the daemon scores them:
/// counters already turned into rates by `CounterRate`, missed scrapes not observed at all.
public struct HealthyFleet: Sendable {
    /// The kinds of series in the fleet, in turn (series `i` is of kind `i % 5`).
    public enum Kind: String, CaseIterable, Sendable {
        /// `rate(node_cpu_seconds_total{mode="user"})`: busy by day, idle by night, noisy.
        case nodeCPU = "node_cpu"
        /// `node_memory_MemAvailable_bytes`: a large gauge with a mild daily swing.
        case nodeMemory = "node_memory"
        /// `rate(http_requests_total)`: a daily traffic cycle; deploys restart the process.
        case requestRate = "http_requests"
        /// `kube_deployment_status_replicas_available`: a small constant integer.
        case replicas = "kube_replicas"
        /// An application's p99 latency: log-normal noise over a daily cycle.
        case latency = "latency_p99"
    }

    public var seriesCount: Int
    public var days: Int
    /// Seconds between scrapes.
    public var step: Double
    public var seed: UInt64
    /// Deploys a day per application series (each restarts the process at a random moment).
    public var deploysPerDay = 2.0
    /// The chance that any one scrape is missed.
    public var gapProbability = 0.002
    /// How request rates are read across a deploy's counter reset: as the daemon reads them (skipped), or
    /// as PromQL's `rate()` would credit them (from zero), to measure what that costs.
    public var resets = CounterRate.ResetHandling.skip

    public init(seriesCount: Int, days: Int, step: Double = 60, seed: UInt64 = 1) {
        self.seriesCount = seriesCount
        self.days = days
        self.step = step
        self.seed = seed
    }

    /// How many anomalies a detector raised: a run of consecutive samples at or above the threshold is
    /// one anomaly (the daemon reports it once, with its start).
    public struct FalseAlarms: Sendable, Equatable {
        public var anomalies = 0
        public var samples = 0
        public var byKind: [String: Int] = [:]
        public var seriesDays = 0.0
        /// The first anomalies, in series order (at most `recordLimit`), to say where false alarms come from.
        public var first: [Alarm] = []
        /// Anomalies per 1,000 series per simulated day.
        public var perThousandSeriesPerDay: Double { seriesDays == 0 ? 0 : 1000 * Double(anomalies) / seriesDays }
    }

    /// Where one false alarm began, and what the detector said there.
    public struct Alarm: Sendable, Equatable {
        public var series: Int
        public var kind: Kind
        /// Seconds since the fleet's first scrape.
        public var elapsed: Double
        /// Seconds since the series last missed a scrape (a gap or a deploy), or nil if it never has.
        public var sinceGap: Double?
        public var output: DetectorOutput
    }

    /// Runs a fresh detector over every series and counts the anomalies it raises; records the first
    /// `recordLimit` of them.
    public func falseAlarms(
        parameters: EnsembleParameters = EnsembleParameters(),
        threshold: Double = EnsembleDetector.alarmThreshold,
        recordLimit: Int = 100
    ) -> FalseAlarms {
        var outcome = FalseAlarms()
        var paced = PacedSettings()
        for index in 0..<seriesCount {
            var detector = EnsembleDetector(parameters: parameters)
            var alarming = false
            var anomalies = 0
            var previous: Double?
            var lastGap: Double?
            observe(series: index) { value, timestamp in
                if let previous, timestamp - previous > step * 1.5 { lastGap = timestamp }
                previous = timestamp
                let output = detector.observe(value, at: timestamp, parameters: parameters, paced: &paced)
                outcome.samples += 1
                if output.score >= threshold, !alarming {
                    anomalies += 1
                    if outcome.first.count < recordLimit {
                        outcome.first.append(
                            Alarm(
                                series: index,
                                kind: Self.kind(of: index),
                                elapsed: timestamp - Self.start,
                                sinceGap: lastGap.map { timestamp - $0 },
                                output: output
                            )
                        )
                    }
                }
                alarming = output.score >= threshold
            }
            outcome.anomalies += anomalies
            outcome.byKind[Self.kind(of: index).rawValue, default: 0] += anomalies
        }
        outcome.seriesDays = Double(seriesCount * days)
        return outcome
    }

    public static func kind(of index: Int) -> Kind { Kind.allCases[index % Kind.allCases.count] }

    /// The first scrape: a midnight, UTC.
    static let start = 1_700_006_400.0

    /// Calls `body(value, timestamp)` for every sample of series `index` the daemon would score, in order.
    public func observe(series index: Int, _ body: (Double, Double) -> Void) {
        var random = SplitMix(state: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index))
        let kind = Self.kind(of: index)
        // Each series its own size, daily swing, noise and time zone.
        let base = 10 * Double.exp(6 * random.uniform())
        let amplitude = 0.2 + 0.4 * random.uniform()
        let noise = 0.02 + 0.06 * random.uniform()
        let phase = random.uniform() * 86_400
        let replicas = Double(2 + Int(random.uniform() * 6))
        let start = Self.start
        let samplesPerDay = Int((86_400 / step).rounded(.down))
        var rate = CounterRate()
        // A rate spans one interval however long (at 10 minutes as at 15 s) but not a missed scrape at 5
        // minutes or longer, which restarts it as the staleness a failed scrape marks restarts the
        // daemon's. (At shorter intervals the 5-minute floor lets it span a missed scrape, where the daemon
        // restarts: the fleet's figures have always been measured so.)
        let rateSpan = Swift.max(CounterRate.lookback, 1.5 * step)
        var counter = 0.0
        var dayScale = 1.0
        var nextDeploy = start + random.exponential(mean: 86_400 / deploysPerDay)
        for sample in 0..<(days * samplesPerDay) {
            let time = start + Double(sample) * step
            if sample % samplesPerDay == 0 { dayScale = 1 + 0.1 * (random.uniform() - 0.5) }
            let cycle = dayScale * amplitude * Double.sin(2 * .pi * (time + phase) / 86_400)
            // The process restarts: counters start from zero, and the target misses the scrape that
            // falls while the new pod starts.
            var countingSince = time - step
            if kind == .requestRate, time >= nextDeploy {
                counter = 0
                countingSince = nextDeploy
                nextDeploy += random.exponential(mean: 86_400 / deploysPerDay)
            }
            let missed = countingSince != time - step || random.uniform() < gapProbability
            let value: Double?
            switch kind {
            case .nodeCPU:
                value = max(0, base / 1000 * (1 + cycle) * (1 + noise * random.gaussian()))
            case .nodeMemory:
                value = base * 1e6 * (1 - 0.1 * cycle) * (1 + 0.01 * noise * random.gaussian())
            case .requestRate:
                // Requests since the previous scrape; after a restart, only those since the restart.
                let perSecond = max(0, base * (1 + cycle) * (1 + noise * random.gaussian()))
                counter += (perSecond * (time - countingSince)).rounded()
                value = missed ? nil : rate.update(counter, at: time, staleAfter: rateSpan, resets: resets)
            case .replicas:
                value = replicas
            case .latency:
                value = base / 1000 * (1 + 0.5 * cycle) * Double.exp(noise * random.gaussian())
            }
            guard !missed, let value else { continue }
            body(value, time)
        }
    }
}

extension SplitMix {
    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Standard normal (Box–Muller).
    mutating func gaussian() -> Double {
        let u1 = Double(next() >> 11 | 1) / Double(1 << 53)
        return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * .pi * uniform())
    }

    /// Exponentially distributed with `mean`.
    mutating func exponential(mean: Double) -> Double {
        -mean * Double.log(1 - uniform())
    }
}
