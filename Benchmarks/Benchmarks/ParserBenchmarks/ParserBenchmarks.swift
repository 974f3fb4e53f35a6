import Benchmark
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Benchmark names carry no blanks: the thresholds files under Thresholds/ are named after them.
/// The scrape-path parse of whole bodies: every sample resolved to its series and its value read.
/// "Warm" means the series cache already knows every series (every scrape after the first);
/// "cold" lexes every label set. One iteration is one whole body, so `mallocCountTotal` per
/// iteration divided by the body's samples is allocations per sample.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal],
        warmupIterations: 2,
        scalingFactor: .one,
        maxDuration: .seconds(5),
        maxIterations: 200
    )

    let bodies: [(String, [UInt8])] = [
        ("kube-state-metrics-105k", SyntheticExposition.generate(.kubeStateMetrics, samples: 105_000)),
        ("cadvisor-100k", SyntheticExposition.generate(.cadvisor, samples: 100_000)),
        ("histogram-100k", SyntheticExposition.generate(.histogram, samples: 100_000)),
        ("node_exporter", nodeExporterCapture()),
    ]

    for (name, body) in bodies {
        let samples = countSamples(body)
        Benchmark("warm-parse-\(name)") { benchmark, cache in
            for _ in benchmark.scaledIterations {
                blackHole(parse(body, cache: cache))
            }
        } setup: {
            let cache = SeriesCache(expectedSeries: samples)
            _ = parse(body, cache: cache)
            return cache
        }
        Benchmark("cold-parse-\(name)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(parse(body, cache: SeriesCache(expectedSeries: samples)))
            }
        }
    }
}

/// One scrape's worth of parsing; returns a checksum so nothing is optimised away.
@inline(never)
func parse(_ body: [UInt8], cache: SeriesCache) -> Double {
    cache.beginScrape()
    var parser = ExpositionParser(bytes: body, format: .prometheusText, cache: cache)
    var sum: Double = 0
    do {
        while let entry = try parser.next() {
            if entry == .sample { sum += Double(parser.seriesRef?.index ?? 0) + parser.value }
        }
    } catch {
        fatalError("benchmark body does not parse: \(error)")
    }
    return sum
}

func countSamples(_ body: [UInt8]) -> Int {
    var parser = ExpositionParser(bytes: body, format: .prometheusText)
    var count = 0
    while let entry = try? parser.next() {
        if entry == .sample { count += 1 }
    }
    return count
}

/// The real node_exporter capture shipped in sample-metrics/.
func nodeExporterCapture() -> [UInt8] {
    let path = #filePath.split(separator: "/").dropLast(4).joined(separator: "/")
    guard let file = fopen("/" + path + "/sample-metrics/node_exporter.prom", "rb") else {
        fatalError("sample-metrics/node_exporter.prom not found")
    }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        if count == 0 { break }
        bytes += chunk[..<count]
    }
    return bytes
}
