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

    /// The φ-quantile of `buckets` (any order; the `+Inf` bucket is required), as PromQL's
    /// `bucketQuantile` computes it: φ < 0 → −Inf, φ > 1 → +Inf, NaN without a `+Inf` bucket or without
    /// observations; buckets of one bound are one bucket (their counts summed); counts that differ by a
    /// float's rounding (relative 1e-12, summed rates) are made equal, and counts that decrease with the
    /// bound (a scrape racing increments) monotonic; a rank in the `+Inf` bucket returns the highest
    /// finite bound; the lowest bucket interpolates from 0 when its bound is positive, and a rank of 0
    /// in an empty lowest bucket is NaN (0 / 0).
    public static func quantile(_ phi: Double, _ buckets: [Bucket]) -> Double {
        if phi.isNaN { return .nan }
        if phi < 0 { return -.infinity }
        if phi > 1 { return .infinity }
        var sorted: [Bucket] = []
        for bucket in buckets.sorted(by: { $0.upperBound < $1.upperBound }) {
            if let last = sorted.last, last.upperBound == bucket.upperBound {
                sorted[sorted.count - 1].count += bucket.count
            } else {
                sorted.append(bucket)
            }
        }
        guard sorted.last?.upperBound == .infinity else { return .nan }
        // Prometheus's ensureMonotonicAndIgnoreSmallDeltas: the previous count stays where a bucket's is
        // ignored (rounding) or raised (a decrease).
        var previous = sorted.first?.count ?? 0
        for index in sorted.indices.dropFirst() {
            let current = sorted[index].count
            if current == previous { continue }
            if almostEqual(previous, current) || current < previous {
                sorted[index].count = previous
                continue
            }
            previous = current
        }
        guard sorted.count >= 2 else { return .nan }
        let total = sorted[sorted.count - 1].count
        guard total > 0 else { return .nan }
        let rank = phi * total
        let index = sorted.firstIndex { $0.count >= rank } ?? sorted.count - 1
        if index == sorted.count - 1 { return sorted[sorted.count - 2].upperBound }
        if index == 0 && sorted[0].upperBound <= 0 { return sorted[0].upperBound }
        let lowerBound = index == 0 ? 0 : sorted[index - 1].upperBound
        let lowerCount = index == 0 ? 0 : sorted[index - 1].count
        let share = (rank - lowerCount) / (sorted[index].count - lowerCount)
        return lowerBound + (sorted[index].upperBound - lowerBound) * share
    }

    /// Prometheus's `almostEqual` with its tolerance for bucket counts, 1e-12.
    static func almostEqual(_ a: Double, _ b: Double, tolerance: Double = 1e-12) -> Bool {
        if a == b { return true }
        let minimumNormal = Double.leastNormalMagnitude
        let sum = abs(a) + abs(b)
        let difference = abs(a - b)
        if a == 0 || b == 0 || sum < minimumNormal { return difference < tolerance * minimumNormal }
        return difference / min(sum, .greatestFiniteMagnitude) < tolerance
    }
}
