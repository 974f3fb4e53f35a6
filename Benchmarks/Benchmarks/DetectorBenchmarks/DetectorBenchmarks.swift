import Benchmark
import VigilCore

/// Detectors over a million series: one iteration is one round in which every series gets one sample
/// (15 s apart, so the default detector's settings are paced as in the daemon), so series-updates per
/// second = 1,000,000 / (seconds per iteration), and `mallocCountTotal` per iteration must stay 0 (no
/// allocation per update; Thresholds/ pins it and `scripts/test.sh` checks it).
///
/// - `ensemble-1M-series`: the default detector, daily profile included — the one `vigil run`,
///   `vigil detect` and `vigil eval nab` run.
/// - `ensemble-1M-series-no-seasonal`: the same without the daily profile (`--no-seasonal`).
/// - `ewma-1M-series`: the peer measured in the same run, a plain exponentially weighted mean and
///   variance scoring a z-score: the least a streaming detector can do per sample. Speed is reported as
///   the ratio of its round time to the ensemble's (docs/DETECTION.md), which holds across machines
///   where an absolute time does not.
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
        Benchmark(name) { (benchmark: Benchmark, bank: DetectorBank<EnsembleDetector>) in
            for _ in benchmark.scaledIterations {
                blackHole(bank.round(parameters))
            }
        } setup: {
            let bank = DetectorBank<EnsembleDetector>(count: seriesCount, parameters: parameters)
            // Past warm-up, so every update takes the full path.
            for _ in 0..<320 { _ = bank.round(parameters) }
            return bank
        }
    }

    Benchmark("ewma-1M-series") { (benchmark: Benchmark, bank: DetectorBank<PlainEWMA>) in
        for _ in benchmark.scaledIterations {
            blackHole(bank.round(0.01))
        }
    } setup: {
        let bank = DetectorBank<PlainEWMA>(count: seriesCount, parameters: 0.01)
        for _ in 0..<320 { _ = bank.round(0.01) }
        return bank
    }
}

/// A million detectors and a clock, advanced one scrape round at a time.
final class DetectorBank<Member: BankMember>: @unchecked Sendable {
    var detectors: [Member]
    var time = 1_700_000_000.0
    var random: UInt64 = 0x9E37_79B9_7F4A_7C15

    init(count: Int, parameters: Member.Parameters) {
        // Each series gets its own state, as in a real store (its profile's bins are made on its first
        // change, in the setup's rounds).
        detectors = (0..<count).map { _ in Member(parameters: parameters) }
    }

    /// One sample for every series; returns the number of alarms (so nothing is optimised away).
    @inline(never)
    func round(_ parameters: Member.Parameters) -> Int {
        time += 15
        var alarms = 0
        var paced = PacedSettings()
        detectors.withUnsafeMutableBufferPointer { detectors in
            for index in detectors.indices {
                random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let noise = Double(random >> 40) / Double(1 << 24)
                let output = detectors[index].observe(
                    100 + Double(index & 63) + noise,
                    at: time,
                    parameters: parameters,
                    paced: &paced
                )
                if output.score >= EnsembleDetector.alarmThreshold { alarms += 1 }
            }
        }
        return alarms
    }
}

/// A detector as the bank runs it: as ``SeriesStore`` runs the ensemble, with one ``PacedSettings`` a
/// round (every series of a round has the same spacing).
protocol BankMember: Detector {
    mutating func observe(
        _ value: Double,
        at timestamp: Double,
        parameters: Parameters,
        paced: inout PacedSettings
    ) -> DetectorOutput
}

extension EnsembleDetector: BankMember {}

/// The peer: an exponentially weighted mean and variance, scored as min(1, |z| / 12) — 8 flops and a
/// square root per sample, 16 bytes of state.
struct PlainEWMA: BankMember {
    var mean = 0.0
    var variance = 0.0

    init(parameters: Double) {}

    /// It paces nothing: the peer's cost is its own update.
    mutating func observe(
        _ value: Double,
        at timestamp: Double,
        parameters alpha: Double,
        paced: inout PacedSettings
    ) -> DetectorOutput {
        observe(value, at: timestamp, parameters: alpha)
    }

    mutating func observe(_ value: Double, at timestamp: Double, parameters alpha: Double) -> DetectorOutput {
        let residual = value - mean
        let spread = variance.squareRoot()
        let deviation = spread > 0 ? residual / spread : 0
        mean += alpha * residual
        variance = (1 - alpha) * (variance + alpha * residual * residual)
        return DetectorOutput(
            score: min(1, deviation.magnitude / 12),
            observed: value,
            expected: mean,
            spread: spread,
            deviation: deviation
        )
    }
}
