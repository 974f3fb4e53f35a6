import Benchmark
import VigilCore

/// The default ensemble over a million series: one iteration is one round in which every series gets
/// one sample, so series-updates per second = 1,000,000 / (seconds per iteration), and
/// `mallocCountTotal` per iteration must stay 0 (no allocation per update).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal],
        warmupIterations: 1,
        scalingFactor: .one,
        maxDuration: .seconds(10),
        maxIterations: 20
    )
    let seriesCount = 1_000_000

    var withoutSeasonality = EnsembleParameters()
    withoutSeasonality.components.remove(.seasonal)

    for (name, parameters) in [
        ("ensemble-1M-series", EnsembleParameters()), ("ensemble-1M-series-no-seasonal", withoutSeasonality),
    ] {
        Benchmark(name) { (benchmark: Benchmark, bank: DetectorBank) in
            for _ in benchmark.scaledIterations {
                blackHole(bank.round(parameters))
            }
        } setup: {
            let bank = DetectorBank(count: seriesCount, parameters: parameters)
            // Past warm-up, so every update takes the full path.
            for _ in 0..<320 { _ = bank.round(parameters) }
            return bank
        }
    }
}

/// A million detectors and a clock, advanced one scrape round at a time.
final class DetectorBank: @unchecked Sendable {
    var detectors: [EnsembleDetector]
    var time = 1_700_000_000.0
    var random: UInt64 = 0x9E37_79B9_7F4A_7C15

    init(count: Int, parameters: EnsembleParameters) {
        detectors = Array(repeating: EnsembleDetector(parameters: parameters), count: count)
        // Each series needs its own profile storage, as in a real store.
        for index in detectors.indices { detectors[index] = EnsembleDetector(parameters: parameters) }
    }

    /// One sample for every series; returns the number of alarms (so nothing is optimised away).
    @inline(never)
    func round(_ parameters: EnsembleParameters) -> Int {
        time += 15
        var alarms = 0
        detectors.withUnsafeMutableBufferPointer { detectors in
            for index in detectors.indices {
                random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let noise = Double(random >> 40) / Double(1 << 24)
                let output = detectors[index].observe(
                    100 + Double(index & 63) + noise,
                    at: time,
                    parameters: parameters
                )
                if output.score >= EnsembleDetector.alarmThreshold { alarms += 1 }
            }
        }
        return alarms
    }
}
