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

    /// The host's clock stepped back an hour: every scrape's time was earlier than the last rate's, and
    /// each was dropped as out of order, so the counter was silent for the hour. A step back further than
    /// a rate spans starts the rate over; a small one still drops the samples until the clock catches up.
    @Test func aCounterRateStartsOverWhenTheClockStepsBack() {
        var rate = CounterRate()
        _ = rate.update(1000, at: 10_000)
        #expect(rate.update(1150, at: 10_015) == 10)
        #expect(rate.update(1300, at: 10_015 - 3600) == nil)  // the clock went back an hour
        #expect(rate.update(1450, at: 10_030 - 3600) == 10)
        #expect(rate.update(1600, at: 10_030 - 3600 - 60) == nil)  // a minute back: out of order
        #expect(rate.update(1750, at: 10_045 - 3600) == 20)  // the rate since the last kept sample
    }

    /// A process restarted 5 s into a 15-s interval: its counter holds only the 10 s since, so PromQL's
    /// reset rule (increase = the new value) reads 2/3 of the true rate. For detection the first rate after
    /// a reset is skipped; the next interval measures the rate again. (Scored, the fake drop was 448 of the
    /// 528 false alarms on the healthy fleet at a 15-s scrape.)
    @Test func theFirstRateAfterAResetIsSkippedForDetection() {
        var promQL = CounterRate()
        var detection = CounterRate()
        for (value, time) in [(1000.0, 0.0), (1150, 15)] {
            _ = promQL.update(value, at: time)
            _ = detection.update(value, at: time, resets: .skip)
        }
        #expect(promQL.update(100, at: 30) == 100.0 / 15)  // the lower bound PromQL credits
        #expect(detection.update(100, at: 30, resets: .skip) == nil)
        #expect(detection.update(250, at: 45, resets: .skip) == 10)  // measured again from the new value
        // A counter that did not drop is no reset: nothing is skipped.
        #expect(detection.update(250, at: 60, resets: .skip) == 0)
    }

    /// The daemon's store scores a counter by its rate; the first rate after a deploy never reaches the
    /// detector, so the detector's last observation is still the true rate.
    @Test func theStoreDoesNotScoreTheFirstRateAfterAReset() {
        let store = SeriesStore()
        let requests = store.register(
            LabelSet([("__name__", "requests_total")], symbols: store.symbols),
            role: .cumulative
        )
        var counter = 0.0
        for step in 0..<40 {
            counter += 150
            store.observe(requests, value: counter, at: 1_700_000_000 + Double(step) * 15)
        }
        #expect(store.detector(of: requests).previousValue == 10)
        // The process restarts 5 s into the next interval: 100 requests since.
        store.observe(requests, value: 100, at: 1_700_000_000 + 40 * 15)
        #expect(store.detector(of: requests).previousValue == 10)
        // The next interval is measured again (180 requests in 15 s) and scored.
        store.observe(requests, value: 280, at: 1_700_000_000 + 41 * 15)
        #expect(store.detector(of: requests).previousValue == 12)
    }

    /// A counter scraped every 5 or 10 minutes is a rate at every scrape, a little late or not: the gap a
    /// rate spans is two intervals where they pass 5 minutes. At 15 s, a gap over 5 minutes starts over.
    @Test(arguments: [(300.0, [300.004, 299.998, 300.010]), (600.0, [600, 600.5, 599.5])])
    func aCounterScrapedMinutesApartIsARateAtEveryScrape(interval: Double, gaps: [Double]) {
        let store = SeriesStore()
        let requests = store.register(
            LabelSet([("__name__", "requests_total")], symbols: store.symbols),
            role: .cumulative
        )
        var time = 1_700_000_000.0
        var counter = 1_000.0
        store.observe(requests, value: counter, at: time, interval: interval)
        for gap in gaps {
            time += gap
            counter += gap * 2
            store.observe(requests, value: counter, at: time, interval: interval)
            #expect(store.detector(of: requests).previousTimestamp == time, "a gap of \(gap) s")
        }
        store.observe(requests, value: counter + 602, at: time + 301)  // every 15 s, down for 5 minutes
        #expect(store.detector(of: requests).previousTimestamp == time)
    }

    /// A series read another way from one scrape to the next starts over: the detector that learnt a
    /// counter's raw values (a backfill that took an untyped `requests` for a gauge) must not judge its
    /// rates against them. The same role keeps everything learnt.
    @Test func aSeriesWhoseRoleChangesStartsOver() {
        let store = SeriesStore()
        let labels = LabelSet([("__name__", "requests")], symbols: store.symbols)
        let requests = store.register(labels, role: .gauge)
        for step in 0..<400 {
            store.observe(requests, value: 1_000 + Double(step) * 150, at: 1_700_000_000 + Double(step) * 300)
        }
        let learnt = store.detector(of: requests)
        #expect(learnt.previousTimestamp == 1_700_000_000 + 399 * 300.0)
        #expect(store.register(labels, role: .gauge) == requests)
        #expect(store.detector(of: requests) == learnt)
        #expect(store.score(of: requests) != nil)

        // An anomaly it had ends with what it learnt.
        store.observe(requests, value: 10_000_000, at: 1_700_000_000 + 400 * 300)
        #expect(store.anomalies[requests] != nil)

        #expect(store.register(labels, role: .cumulative) == requests)
        #expect(store.anomalies.isEmpty)
        #expect(store.endedAnomalies.map(\.series) == [requests])
        #expect(store.detector(of: requests) == EnsembleDetector(parameters: store.parameters))
        #expect(store.rate(of: requests).lastTimestamp == -.infinity)
        #expect(store.score(of: requests) == nil)
        // Read as a counter from here: the first sample only starts the rate, the second is a rate.
        store.observe(requests, value: 100_000, at: 1_700_200_000)
        #expect(store.detector(of: requests).previousValue == nil)
        store.observe(requests, value: 100_150, at: 1_700_200_300)
        #expect(store.detector(of: requests).previousValue == 0.5)
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

    /// Where PromQL's `bucketQuantile` differs from a plain reading: buckets of one bound are one; counts
    /// apart by a float's rounding are equal (summed rates); a rank of 0 in an empty lowest bucket is NaN.
    @Test func edgeCasesAsPromQLHasThem() {
        let doubled = [
            Bucket(upperBound: 1, count: 5), Bucket(upperBound: 1, count: 5), Bucket(upperBound: .infinity, count: 10),
        ]
        #expect(HistogramQuantile.quantile(0.5, doubled) == 0.5)
        let emptyFirst = [Bucket(upperBound: 1, count: 0), Bucket(upperBound: .infinity, count: 10)]
        #expect(HistogramQuantile.quantile(0, emptyFirst).isNaN)
        // Rates summed in another order: the higher buckets a rounding's worth above the lowest, which
        // would put every observation's rank past it.
        let rounded = [
            Bucket(upperBound: 1, count: 0.6), Bucket(upperBound: 2, count: 0.6000000000000001),
            Bucket(upperBound: .infinity, count: 0.6000000000000001),
        ]
        #expect(HistogramQuantile.quantile(1, rounded) == 1)
    }
}
