import Testing

@testable import VigilCore

/// Counters, histograms and staleness as PromQL treats them.
struct PrometheusSemanticsTests {
    @Test func counterRateHandlesResetsDuplicatesGapsAndStaleness() {
        var rate = CounterRate()
        #expect(rate.update(100, at: 0) == nil)  // first sample: no rate yet
        #expect(rate.update(130, at: 15) == 2)
        #expect(rate.update(130, at: 15) == nil)  // repeated timestamp
        #expect(rate.update(999, at: 10) == nil)  // out of order: dropped
        #expect(rate.update(15, at: 30) == 1)  // reset: the counter restarted, increase = 15
        #expect(rate.update(20, at: 1000) == nil)  // gap past 5 minutes: start over
        #expect(rate.update(50, at: 1010) == 3)
        #expect(rate.update(StalenessMarker.value, at: 1020) == nil)
        #expect(rate.update(60, at: 1030) == nil)  // first sample after staleness
        #expect(rate.update(70, at: 1040) == 1)
    }

    @Test func stalenessMarkerIsNotAnyNaN() {
        #expect(StalenessMarker.isMarker(StalenessMarker.value))
        #expect(!StalenessMarker.isMarker(.nan))
        #expect(!StalenessMarker.isMarker(0))
    }

    typealias Bucket = HistogramQuantile.Bucket

    static let buckets = [
        Bucket(upperBound: 0.1, count: 50), Bucket(upperBound: 0.5, count: 90),
        Bucket(upperBound: 1, count: 100), Bucket(upperBound: .infinity, count: 100),
    ]

    @Test func quantilesInterpolateLikePromQL() {
        // rank 50 falls at the top of the first bucket, interpolated from 0.
        #expect(HistogramQuantile.quantile(0.5, Self.buckets) == 0.1)
        // rank 25 is halfway through [0, 0.1].
        #expect(HistogramQuantile.quantile(0.25, Self.buckets) == 0.05)
        // rank 70 is halfway through (0.1, 0.5].
        #expect(abs(HistogramQuantile.quantile(0.7, Self.buckets) - 0.3) < 1e-12)
        #expect(HistogramQuantile.quantile(1, Self.buckets) == 1)
        #expect(HistogramQuantile.quantile(-0.1, Self.buckets) == -.infinity)
        #expect(HistogramQuantile.quantile(1.1, Self.buckets) == .infinity)
    }

    @Test func quantilesOfEdgeCases() {
        // A rank in the +Inf bucket answers the highest finite bound.
        let tail = [Bucket(upperBound: 1, count: 10), Bucket(upperBound: .infinity, count: 20)]
        #expect(HistogramQuantile.quantile(0.9, tail) == 1)
        #expect(HistogramQuantile.quantile(0.5, [Bucket(upperBound: 1, count: 1)]).isNaN)  // no +Inf
        #expect(
            HistogramQuantile.quantile(0.5, [Bucket(upperBound: 1, count: 0), Bucket(upperBound: .infinity, count: 0)])
                .isNaN
        )
        // Non-monotonic counts are repaired before interpolating.
        let racing = [
            Bucket(upperBound: 1, count: 10), Bucket(upperBound: 2, count: 8), Bucket(upperBound: .infinity, count: 10),
        ]
        #expect(HistogramQuantile.quantile(0.5, racing) == 0.5)
        // Order of the input does not matter.
        #expect(
            HistogramQuantile.quantile(0.7, Self.buckets.reversed()) == HistogramQuantile.quantile(0.7, Self.buckets)
        )
    }

    @Test func histogramRateGivesPerIntervalBuckets() {
        var rate = HistogramRate()
        #expect(rate.update(Self.buckets, at: 0) == nil)
        let later = Self.buckets.map { Bucket(upperBound: $0.upperBound, count: $0.count * 3) }
        let increase = rate.update(later, at: 15)
        #expect(increase?.map(\.count) == [100, 180, 200, 200])
        // A reset (a process restart) takes the new counts as the increase.
        let restarted = rate.update(Self.buckets, at: 30)
        #expect(restarted?.map(\.count) == [50, 90, 100, 100])
        #expect(rate.update(Self.buckets, at: 30) == nil)
    }
}
