import Testing
import VigilCore
import VigilRules

@testable import VigilEngine

/// Signals as PromQL would read them: which series count up, how long a gap a rate spans, and a
/// `for:` that holds only while there are measurements.
struct SignalSemanticsTests {
    /// Two containers' series summed: a staleness marker in one ends it (the sum falls to the other's),
    /// a NaN is a value (the sum is NaN there, a step with no measurement), as in PromQL. A NaN ended the
    /// series, and the sum's fall read as a drop.
    @Test func aMarkerEndsASeriesAndANaNIsAValue() throws {
        let times = (0..<20).map { Double($0) * 60 }
        func sums(_ gap: Double) throws -> [Double] {
            var history = MetricHistory()
            history.add(
                ["__name__": "queue_depth", "container": "a"],
                .gauge,
                times: times,
                values: times.map { _ in 10 }
            )
            let other = times.map { $0 == 600 ? gap : 10 }
            history.add(["__name__": "queue_depth", "container": "b"], .gauge, times: times, values: other)
            let rule = SignalRule(name: "depth", selector: try SeriesSelector("queue_depth"), transform: .asIs, by: [])
            return try #require(Signal.derive(rule, from: history).first).values
        }
        let marked = try sums(StalenessMarker.value)
        #expect(marked.contains(10) && marked.filter { $0.isFinite }.allSatisfy { $0 == 10 || $0 == 20 }, "\(marked)")
        // The NaN step is no measurement, so the signal has none there; every other step is both series.
        let nan = try sums(.nan)
        #expect(nan.count == times.count - 1 && nan.allSatisfy { $0 == 20 }, "\(nan)")
    }

    /// A histogram's or summary's `_count` and `_sum` count up whatever type a replay's last `# TYPE`
    /// or Prometheus's untyped answer gives them (an error ratio of `_count`s divided lifetime totals),
    /// and the daemon's recorder reads them alike; a series typed a gauge does not.
    @Test(arguments: [
        ("http_server_requests_seconds_count", MetricType.histogram, true),
        ("http_server_requests_seconds_count", .unknown, true),
        ("rpc_duration_seconds_sum", .summary, true),
        ("requests_total", .unknown, true),
        ("requests", .counter, true),
        ("jvm_buffer_count", .gauge, false),
        ("queue_depth", .unknown, false),
    ])
    func whichSeriesCountUp(name: String, type: MetricType, cumulative: Bool) {
        let series = MetricHistory.Series(labels: ["__name__": name], type: type, times: [], values: [])
        #expect(series.isCumulative == cumulative)
        #expect((series.sampleRole == .cumulative) == cumulative)
    }

    /// Errors over all requests from `_count`s that Prometheus answers untyped: no error after the
    /// start, so the ratio of rates is 0 (lifetime totals read as levels gave about 0.01, falling).
    @Test func aRatioOfUntypedCountsIsARatioOfRates() throws {
        var history = MetricHistory()
        let times = (0..<40).map { Double($0) * 15 }
        for (status, values) in [("500", times.map { _ in 1000.0 }), ("200", times.map { 99_000 + 100 * $0 })] {
            history.add(
                ["__name__": "http_server_requests_seconds_count", "status": status],
                .unknown,
                times: times,
                values: values
            )
        }
        let rule = SignalRule(
            name: "error_ratio",
            selector: try SeriesSelector(#"http_server_requests_seconds_count{status=~"5.."}"#),
            transform: .ratio(denominator: try SeriesSelector("http_server_requests_seconds_count")),
            by: []
        )
        let signal = try #require(Signal.derive(rule, from: history).first)
        #expect(signal.values.count > 30)
        #expect(signal.values.allSatisfy { $0 == 0 }, "\(signal.values)")
    }

    /// A counter scraped every minute on the 10-s grid a faster gauge set still has its rate: a rate
    /// spans PromQL's five minutes of lookback, not five of another series's steps.
    @Test func aCounterScrapedLessOftenThanTheGridHasARate() throws {
        var history = MetricHistory()
        let fast = (0..<60).map { Double($0) * 10 }
        for index in 0..<3 {
            history.add(["__name__": "queue_depth", "i": "\(index)"], .gauge, times: fast, values: fast.map { _ in 1 })
        }
        let slow = (0..<10).map { Double($0) * 60 }
        history.add(["__name__": "throttled_total"], .counter, times: slow, values: slow)
        let rule = SignalRule(name: "throttled", selector: try SeriesSelector("throttled_total"))
        let signal = try #require(Signal.derive(rule, from: history).first)
        // Rated at each minute's sample, 60 s to 540 s, and held at the 10-s steps between.
        #expect(signal.values.count == 49)
        #expect(signal.values.allSatisfy { abs($0 - 1) < 1e-9 }, "\(signal.values)")
    }

    /// Two slow requests ten minutes apart on a quiet workload, with no quantile between them, hold no
    /// `for:` of three minutes: a run ends where the measurements stop for longer than PromQL's five
    /// minutes of lookback, as a pending alert is dropped at an evaluation that returns nothing. The same
    /// deviation measured all along holds it, and so does one that flaps with a step missed between.
    @Test func aForHoldsOnlyWhileThereAreMeasurements() {
        let rule = SignalRule(
            name: "latency_p99",
            selector: try! SeriesSelector("latency"),
            direction: .up,
            minimumChange: 0.5,
            holdFor: 180
        )
        let quiet = (0..<30).map { Double($0) * 15 }
        let baseline = quiet.indices.map { 0.1 + [0.002, -0.001, 0.001, -0.002][$0 % 4] }
        func anomalies(_ times: [Double]) -> [SignalAnomaly] {
            let signal = Signal(
                rule: "latency_p99",
                labels: [:],
                times: quiet + times,
                values: baseline + times.map { _ in 1.0 }
            )
            return SignalWatch.anomalies(in: signal, rule: rule)
        }
        #expect(anomalies([465, 1065]).isEmpty)
        #expect(anomalies(stride(from: 465.0, through: 765, by: 15).map { $0 }).count == 1)
        let flapping = Signal(
            rule: "latency_p99",
            labels: [:],
            times: quiet + [465, 480, 510, 525] + stride(from: 540.0, through: 720, by: 15),
            values: baseline + [1, 0.1, 0.1, 1] + stride(from: 540.0, through: 720, by: 15).map { _ in 1 }
        )
        let found = SignalWatch.anomalies(in: flapping, rule: rule)
        #expect(found.count == 1 && found.first?.startedAt == 465)
    }

    /// A sporadic error counter, sampled as scraped every 15 s: an error every ten minutes, and a burst
    /// of 25 a scrape for a minute. It changes at consecutive scrapes within the burst, so its rate is
    /// read over one scrape interval, the burst's own rate (the median time between changes, ten
    /// minutes, read it over five: a fifth of it).
    @Test func aSporadicCounterIsRatedOverItsScrapeInterval() {
        let times = (0..<481).map { Double($0) * 15 }
        var total = 0.0
        let values = times.map { time -> Double in
            if time > 0, time.truncatingRemainder(dividingBy: 600) == 0 { total += 1 }
            if time > 3000, time <= 3060 { total += 25 }
            return total
        }
        let rates = WindowedRate.rates(times: times, values: values, gap: 300).compactMap { $0 }
        #expect(rates.max() == 25.0 / 15)
    }

    /// A staleness marker ends a series there: the step after it holds nothing of what came before.
    @Test func nothingIsHeldAcrossAStalenessMarker() throws {
        var history = MetricHistory()
        history.add(
            ["__name__": "queue_depth"],
            .gauge,
            times: [0, 15, 30, 45, 60],
            values: [1, 1, StalenessMarker.value, 5, 5]
        )
        let rule = SignalRule(name: "queue", selector: try SeriesSelector("queue_depth"))
        let signal = try #require(Signal.derive(rule, from: history).first)
        #expect(signal.times == [0, 15, 45, 60])
    }

    /// A rollout that changed the buckets' bounds: the old pods' {0.1, 0.2, +Inf} until they go, the new
    /// pods' {0.1, 0.5, +Inf} after. The quantile is taken at each step from the buckets there are, so
    /// it has points on both sides (needing every bound ever seen left it none).
    @Test func aQuantileIsTakenFromTheBucketsThereAre() throws {
        var history = MetricHistory()
        func buckets(pod: String, bounds: [String], times: [Double]) {
            for (position, bound) in bounds.enumerated() {
                history.add(
                    ["__name__": "latency_seconds_bucket", "pod": pod, "le": bound],
                    .histogram,
                    times: times,
                    values: times.map { $0 * Double(position + 1) }
                )
            }
        }
        buckets(pod: "old", bounds: ["0.1", "0.2", "+Inf"], times: (0...40).map { Double($0) * 15 })
        buckets(pod: "new", bounds: ["0.1", "0.5", "+Inf"], times: (41...80).map { Double($0) * 15 })
        let rule = SignalRule(
            name: "latency_p99",
            selector: try SeriesSelector("latency_seconds_bucket"),
            transform: .quantile(0.99),
            by: []
        )
        let signal = try #require(Signal.derive(rule, from: history).first)
        #expect(signal.times.contains { $0 < 600 } && signal.times.contains { $0 > 700 })
    }

    /// A rule written as PromQL's `sum by (service, le)`: `le` in `by` is the bucket, not a group. Each
    /// bucket was a group of its own, and no group had a quantile.
    @Test func aQuantileByThatNamesLeGroupsByTheRest() throws {
        var history = MetricHistory()
        let times = (0...40).map { Double($0) * 15 }
        for (bound, share) in [("0.1", 0.5), ("0.5", 0.9), ("+Inf", 1.0)] {
            history.add(
                ["__name__": "latency_seconds_bucket", "service": "web", "le": bound],
                .histogram,
                times: times,
                values: times.map { $0 * 10 * share }
            )
        }
        let rule = SignalRule(
            name: "latency_p50",
            selector: try SeriesSelector("latency_seconds_bucket"),
            transform: .quantile(0.5),
            by: ["service", "le"]
        )
        let signals = Signal.derive(rule, from: history)
        #expect(signals.map(\.labels) == [["service": "web"]])
        #expect(signals.first.map { !$0.values.isEmpty && $0.values.allSatisfy { $0 == 0.1 } } == true)
    }

    /// A counter scraped every minute, read from Prometheus at 15 s: each sample repeats until the next.
    /// Its rate is read over the minute the counter takes to change, 1 a second at every step, not 0, 0,
    /// 0 and then 4.
    @Test func aSteppedCounterIsRatedOverTheTimeItTakesToChange() {
        let times = (0..<17).map { Double($0) * 15 }
        let values = times.map { 60 * ($0 / 60).rounded(.down) }
        let rates = WindowedRate.rates(times: times, values: values, gap: 300)
        #expect(rates.prefix(4).allSatisfy { $0 == nil })
        #expect(rates.dropFirst(4).allSatisfy { $0 == 1 }, "\(rates)")
    }

    /// The samples themselves, changing at every scrape: the rate between consecutive samples, as
    /// before; a drop is a reset whose new value is the increase; a gap over five minutes starts over.
    @Test func samplesAreRatedBetweenConsecutiveOnes() {
        let times: [Double] = [0, 15, 30, 45, 60, 75, 500, 515, 530]
        let values: [Double] = [0, 30, 60, 90, 15, 45, 100, 130, 160]
        let rates = WindowedRate.rates(times: times, values: values, gap: 300)
        #expect(rates == [nil, 2, 2, 2, 1, 2, nil, 2, 2])
    }

    /// Two pods summed: one sampled on the grid, one jittering about a half step (two points in one step,
    /// none in the next), and one sampled every 30 s on the 15-s grid. Each holds its last point until
    /// its next, as PromQL's lookback does, so the sum has every pod at every step (it dipped wherever a
    /// pod had no point).
    @Test func aSumHasEveryPodAtEveryStep() throws {
        var history = MetricHistory()
        let onGrid = (0..<41).map { Double($0) * 15 }
        for index in 0..<3 {
            history.add(
                ["__name__": "queue_depth", "pod": "grid-\(index)"],
                .gauge,
                times: onGrid,
                values: onGrid.map { _ in 1 }
            )
        }
        var jittering: [Double] = []
        for pair in 0..<20 {
            let start = Double(pair) * 30
            jittering += [start + 7.49, start + 22.51]
        }
        history.add(
            ["__name__": "queue_depth", "pod": "jitter"],
            .gauge,
            times: jittering,
            values: jittering.map { _ in 10 }
        )
        let slow = (0..<21).map { Double($0) * 30 }
        history.add(["__name__": "queue_depth", "pod": "slow"], .gauge, times: slow, values: slow.map { _ in 100 })
        let rule = SignalRule(name: "queue", selector: try SeriesSelector("queue_depth"), by: [])
        let signal = try #require(Signal.derive(rule, from: history).first)
        let whole = zip(signal.times, signal.values).filter { $0.0 >= 30 && $0.0 <= 570 }
        #expect(whole.count == 37)
        #expect(whole.allSatisfy { $0.1 == 113 }, "\(whole.map(\.1))")
    }
}

extension MetricHistory {
    /// Appends the series of `labels`, of `type`, with these points.
    mutating func add(_ labels: [String: String], _ type: MetricType, times: [Double], values: [Double]) {
        append(MetricHistory.Series(labels: labels, type: type, times: times, values: values))
    }
}
