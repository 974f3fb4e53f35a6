/// A counter turned into a per-second rate between consecutive samples, as PromQL's `irate()` takes it:
/// a drop is a reset (the counter restarted from zero, so the increase is the new value), and repeated
/// and out-of-order timestamps are ignored (the first stands, as the TSDB keeps it), unless one goes back
/// further than a rate spans: the host's clock stepped back, and the rate starts over. Unlike PromQL, a
/// staleness marker or a gap longer than ``staleAfter(interval:)`` starts over rather than averaging
/// across the outage: a detector scores each rate as one measurement, and a restart's hours-long
/// average is not one.
public struct CounterRate: Sendable, Codable, Equatable {
    public internal(set) var lastValue: Double = .nan
    public internal(set) var lastTimestamp: Double = -.infinity

    /// What the rate across a reset is.
    public enum ResetHandling: Sendable {
        /// PromQL's: the counter restarted from zero, so the increase is the new value. Right for a sum
        /// over a window, where the new value is all that can be credited.
        case fromZero
        /// No rate: the process restarted somewhere inside the interval, so the new value counts only the
        /// part after the restart — a lower bound, not a measurement. Scored, it reads as a drop of up to
        /// the whole rate on every deploy; the next sample measures the rate again.
        case skip
    }

    public init() {}

    /// The longest gap a rate spans for a series scraped every `interval` seconds: 5 minutes (Prometheus's
    /// lookback), or two intervals where they are longer, so a scrape a little late at a 5-minute or
    /// longer interval is still a rate. A scrape that failed has marked the series stale already.
    public static func staleAfter(interval: Double) -> Double { Swift.max(lookback, 2 * interval) }

    /// Prometheus's lookback, 5 minutes: the shortest gap past which a rate starts over.
    public static let lookback: Double = 300

    /// Adds a counter sample; returns the per-second rate since the previous sample, or nil when there is
    /// none yet (first sample, after a gap, staleness or a clock stepped back), the sample is a duplicate
    /// or out of order, or it follows a reset and `resets` is ``ResetHandling/skip``.
    public mutating func update(
        _ value: Double,
        at timestamp: Double,
        staleAfter: Double = lookback,
        resets: ResetHandling = .fromZero
    ) -> Double? {
        if StalenessMarker.isMarker(value) || value.isNaN {
            lastValue = .nan
            return nil
        }
        guard timestamp > lastTimestamp else {
            // Further back than a rate spans: the host's clock stepped back (the scrape's time is its
            // wall clock), not a late sample. Ignored, every sample until the clock caught up would be —
            // the series silent for as long as the step — so the rate starts over from this one.
            if lastTimestamp - timestamp > staleAfter {
                lastValue = value
                lastTimestamp = timestamp
            }
            return nil
        }
        defer {
            lastValue = value
            lastTimestamp = timestamp
        }
        guard !lastValue.isNaN, timestamp - lastTimestamp <= staleAfter else { return nil }
        let increase: Double
        if value >= lastValue {
            increase = value - lastValue
        } else {
            guard resets == .fromZero else { return nil }
            increase = value
        }
        return increase / (timestamp - lastTimestamp)
    }
}
