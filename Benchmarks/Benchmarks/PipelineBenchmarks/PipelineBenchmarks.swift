import Benchmark
import VigilCore
import VigilHTTP
import VigilScrape

/// The daemon's work per scrape once the bytes have arrived: parse, map to stored series, counter
/// rates, detectors. One iteration is one scrape of a 20k-sample kube-state-metrics-shaped target.
/// `mallocCountTotal` per iteration is a small constant (the scrape's buffers and task hops: 7 to 23
/// depending on how the run interleaves), never per sample: Thresholds/ pins 23 with a tolerance of 50,
/// and one allocation per sample would be 20,000.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal],
        warmupIterations: 2,
        scalingFactor: .one,
        maxDuration: .seconds(10),
        maxIterations: 50,
        thresholds: [.mallocCountTotal: BenchmarkThresholds(absolute: [.p90: 50])]
    )
    Benchmark("pipeline-scrape-kube-state-metrics-20k") { (benchmark: Benchmark, manager: ScrapeManager) in
        for _ in benchmark.scaledIterations {
            await manager.scrapeAll()
        }
    } setup: {
        let body = SyntheticExposition.generate(.kubeStateMetrics, samples: 20_000)
        // The default detector, the one the daemon runs; every value changes from one scrape to the next,
        // so every series has its daily profile (made on a series's first change).
        let manager = ScrapeManager(
            targets: [ScrapeTarget(url: "http://bench:8080/metrics", job: "bench")],
            transport: CyclingBodyTransport(bodies: [body, SyntheticExposition.gaugesPlusOne(body)]),
            store: SeriesStore()
        )
        // The first scrape creates every series; the second fills the counter rates and makes the profiles.
        await manager.scrapeAll()
        await manager.scrapeAll()
        return manager
    }
}
