/// A histogram's buckets turned into per-interval increases, so quantiles describe the latest scrape
/// interval (`histogram_quantile(φ, rate(x_bucket[…]))`) rather than the process's whole life.
/// Resets of any bucket reset the whole histogram, as a restarted process resets them all.
public struct HistogramRate: Sendable, Codable, Equatable {
    public private(set) var previous: [Double] = []
    public private(set) var lastTimestamp: Double = -.infinity

    public init() {}

    /// Adds one scrape's cumulative bucket counts (same bounds, same order every time); returns the
    /// increases since the previous scrape, or nil for the first scrape, a duplicate or out-of-order
    /// timestamp, a change of bucket layout, or after a gap longer than `staleAfter`.
    public mutating func update(
        _ buckets: [HistogramQuantile.Bucket],
        at timestamp: Double,
        staleAfter: Double = 300
    ) -> [HistogramQuantile.Bucket]? {
        guard timestamp > lastTimestamp else { return nil }
        let counts = buckets.map(\.count)
        defer {
            previous = counts
            lastTimestamp = timestamp
        }
        guard previous.count == counts.count, timestamp - lastTimestamp <= staleAfter else { return nil }
        let reset = zip(counts, previous).contains { $0 < $1 }
        return buckets.indices.map { index in
            HistogramQuantile.Bucket(
                upperBound: buckets[index].upperBound,
                count: reset ? counts[index] : counts[index] - previous[index]
            )
        }
    }
}
