/// `histogram_quantile` as PromQL computes it: the φ-quantile of cumulative buckets by linear
/// interpolation inside the bucket where the rank falls.
public enum HistogramQuantile {
    /// One cumulative bucket: observations ≤ `upperBound`.
    public struct Bucket: Sendable, Equatable {
        public var upperBound: Double
        public var count: Double

        public init(upperBound: Double, count: Double) {
            self.upperBound = upperBound
            self.count = count
        }
    }

    /// The φ-quantile of `buckets` (any order; the `+Inf` bucket is required), following PromQL:
    /// φ < 0 → −Inf, φ > 1 → +Inf, NaN without a `+Inf` bucket or without observations; a rank in the
    /// `+Inf` bucket returns the highest finite bound; the lowest bucket interpolates from 0 when its
    /// bound is positive. Counts that decrease with the bound (a scrape racing increments) are made
    /// monotonic first, as Prometheus does.
    public static func quantile(_ phi: Double, _ buckets: [Bucket]) -> Double {
        if phi.isNaN { return .nan }
        if phi < 0 { return -.infinity }
        if phi > 1 { return .infinity }
        var sorted = buckets.sorted { $0.upperBound < $1.upperBound }
        guard sorted.count >= 2, sorted.last?.upperBound == .infinity else { return .nan }
        for index in sorted.indices.dropFirst() where sorted[index].count < sorted[index - 1].count {
            sorted[index].count = sorted[index - 1].count
        }
        let total = sorted[sorted.count - 1].count
        guard total > 0 else { return .nan }
        let rank = phi * total
        let index = sorted.firstIndex { $0.count >= rank } ?? sorted.count - 1
        if index == sorted.count - 1 { return sorted[sorted.count - 2].upperBound }
        if index == 0 && sorted[0].upperBound <= 0 { return sorted[0].upperBound }
        let lowerBound = index == 0 ? 0 : sorted[index - 1].upperBound
        let lowerCount = index == 0 ? 0 : sorted[index - 1].count
        let bucketCount = sorted[index].count - lowerCount
        guard bucketCount > 0 else { return sorted[index].upperBound }
        return lowerBound + (sorted[index].upperBound - lowerBound) * (rank - lowerCount) / bucketCount
    }
}
