/// A seasonal baseline: the period (a day by default) cut into bins by time of period, each with its
/// own robust level, so "normal for 09:00" and "normal for 03:00" are learnt separately.
/// State: `binCount` levels narrowed to 12 bytes each (``SeasonalBin``: the default 24 bins take 288 bytes).
public struct SeasonalProfile: Sendable, Codable, Equatable {
    public internal(set) var bins: [SeasonalBin]
    public internal(set) var period: Double

    public init(period: Double = 86_400, binCount: Int = 48) {
        self.period = period
        bins = Array(repeating: SeasonalBin(), count: binCount)
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
