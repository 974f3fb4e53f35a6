import Benchmark
import VigilCore
import VigilHTTP
import VigilScrape

/// One replica's share of a simulated cluster of 5,000 pods × 200 series (1 M series) split over M
/// replicas: 5,000 / M targets, each a 200-series cadvisor-shaped exposition served from memory (the
/// network aside, the daemon's whole path: parse, label, store, rates, the default detectors). One
/// iteration is one scrape round of every target, so `cpuTotal` per iteration is the CPU the replica
/// spends per scrape interval; `peakMemoryResident` is the replica's memory holding its series.
func replicaAtScaleBenchmarks() {
    for replicas in [4, 8] {
        let targets = 5_000 / replicas
        Benchmark(
            "replica-1-of-\(replicas)-of-5000-pods-x-200-series",
            configuration: .init(
                metrics: [.wallClock, .cpuTotal, .peakMemoryResident],
                warmupIterations: 0,
                scalingFactor: .one,
                maxDuration: .seconds(60),
                maxIterations: 5
            )
        ) { (benchmark: Benchmark, manager: ScrapeManager) in
            for _ in benchmark.scaledIterations {
                await manager.scrapeAll()
            }
        } setup: {
            let body = SyntheticExposition.generate(.cadvisor, samples: 200)
            let manager = ScrapeManager(
                targets: (0..<targets).map { ScrapeTarget(url: "http://pod-\($0):9100/metrics", job: "pods") },
                transport: FixedResponseTransport(body: body),
                store: SeriesStore()
            )
            // The first round creates every series; the second fills the counter rates.
            await manager.scrapeAll()
            await manager.scrapeAll()
            return manager
        }
    }
}
