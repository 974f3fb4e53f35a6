/// A seasonal baseline: the period (a day by default) cut into bins by time of period, each with its
/// own robust level, so "normal for 09:00" and "normal for 03:00" are learnt separately.
/// State: `binCount` levels narrowed to 10 bytes each (``SeasonalBin``: the default 24 bins take 240 bytes).
public struct SeasonalProfile: Sendable, Codable, Equatable {
    public internal(set) var bins: [SeasonalBin]
    public internal(set) var period: Double

    public init(period: Double = 86_400, binCount: Int = 48) {
        self.period = period
        bins = Array(repeating: SeasonalBin(), count: binCount)
    }

    /// The profile a series that held `value` for `samples` samples `spacing` apart, the last at `last`,
    /// has learnt: every bin the constant with no spread, counting the samples that fell in its time of
    /// period. A detector makes its profile only when its series first varies (a constant series — most
    /// of kube-state-metrics — would keep 24 copies of one number), and this is the profile it would have
    /// had from the start. Each bin's count is the samples' share of the time they covered in it (the
    /// spacing is taken as regular), so for samples on a regular grid it is exact; NAB scores the same.
    init(constant value: Double, samples: UInt32, spacing: Double, last: Double, period: Double, binCount: Int) {
        self.init(period: period, binCount: binCount)
        let count = Double(samples)
        let span = count * spacing
        let width = period / Double(binCount)
        var shares = [Double](repeating: 0, count: binCount)
        if spacing > 0, span.isFinite, width > 0 {
            // Whole periods give each bin the same time; the rest is walked bin by bin from the first sample.
            let wholePeriods = (span / period).rounded(.down)
            for index in shares.indices { shares[index] = wholePeriods * width }
            var time = last - (count - 1) * spacing
            var left = span - wholePeriods * period
            var steps = 0
            while left > 0, steps <= binCount {
                let index = bin(at: time)
                var phase = time.truncatingRemainder(dividingBy: period)
                if phase < 0 { phase += period }
                let toEdge = Double(index + 1) * width - phase
                let step = min(toEdge > 0 ? toEdge : width, left)
                shares[index] += step
                time += step
                left -= step
                steps += 1
            }
        } else {
            shares[bin(at: last)] = 1
        }
        let total = shares.reduce(0, +)
        guard total > 0 else { return }
        for index in bins.indices where shares[index] > 0 {
            var level = RobustLevel()
            level.mean = value
            level.count = UInt32(min((count * shares[index] / total).rounded(), Double(UInt32.max)))
            if level.count > 0 { bins[index] = SeasonalBin(level) }
        }
    }

    @inline(__always)
    func bin(at timestamp: Double) -> Int {
        // An exact remainder: `timestamp - floor(timestamp / period) * period` loses the phase to rounding
        // for huge timestamps and can go negative (a fuzzed CSV with a 96-digit timestamp crashed here).
        var phase = timestamp.truncatingRemainder(dividingBy: period)
        if phase < 0 { phase += period }
        let position = phase / period * Double(bins.count)
        guard position.isFinite else { return 0 }
        return min(max(Int(position), 0), bins.count - 1)
    }

    /// The level learnt for the time of period of `timestamp`.
    @inline(__always)
    public func level(at timestamp: Double) -> RobustLevel { bins[bin(at: timestamp)].level }

    public mutating func update(_ value: Double, at timestamp: Double, alpha: Double) {
        bins[bin(at: timestamp)].update(value, alpha: alpha)
    }
}
