/// A counter turned into a per-second rate as samples arrive, with PromQL `rate()`'s semantics:
/// a drop is a reset (the counter restarted from zero, so the increase is the new value), repeated and
/// out-of-order timestamps are ignored, and a gap longer than the staleness window or a staleness
/// marker starts over rather than averaging across the outage.
public struct CounterRate: Sendable, Codable, Equatable {
    public internal(set) var lastValue: Double = .nan
    public internal(set) var lastTimestamp: Double = -.infinity

    public init() {}

    /// Adds a counter sample; returns the per-second rate since the previous sample, or nil when there is
    /// none yet (first sample, after a gap or staleness) or the sample is a duplicate or out of order.
    public mutating func update(_ value: Double, at timestamp: Double, staleAfter: Double = 300) -> Double? {
        if StalenessMarker.isMarker(value) || value.isNaN {
            lastValue = .nan
            return nil
        }
        guard timestamp > lastTimestamp else { return nil }
        defer {
            lastValue = value
            lastTimestamp = timestamp
        }
        guard !lastValue.isNaN, timestamp - lastTimestamp <= staleAfter else { return nil }
        let increase = value >= lastValue ? value - lastValue : value
        return increase / (timestamp - lastTimestamp)
    }
}
