import Foundation

@testable import VigilCore

/// promtool's series notation for detector scenarios: `a+bxn` is a, a+b, …, a+n·b (n+1 values), `a-bxn`
/// counts down, `axn` repeats a, `_` and `_xn` are missing samples (time passes, nothing is observed),
/// `stale` is Prometheus's staleness marker. Optional Gaussian noise and a daily cycle are added
/// deterministically.
struct Scenario {
    var samples: [(timestamp: Double, value: Double?)] = []

    init(
        _ notation: String,
        step: Double = 300,
        start: Double = 1_700_000_000,
        noise: Double = 0,
        dailyAmplitude: Double = 0,
        seed: UInt64 = 1
    ) {
        var random = SplitMix(state: seed)
        var time = start
        func gaussian() -> Double {
            let u1 = Double(random.next() >> 11 | 1) / Double(1 << 53)
            let u2 = Double(random.next() >> 11) / Double(1 << 53)
            return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        }
        func emit(_ value: Double?) {
            let daily = dailyAmplitude * sin(2 * .pi * time.truncatingRemainder(dividingBy: 86_400) / 86_400)
            samples.append((time, value.map { StalenessMarker.isMarker($0) ? $0 : $0 + daily + noise * gaussian() }))
            time += step
        }
        for token in notation.split(separator: " ") {
            if token == "stale" {
                emit(StalenessMarker.value)
                continue
            }
            if token.hasPrefix("_") {
                let count = token.count > 2 ? Int(token.dropFirst(2))! : 1
                for _ in 0..<count { emit(nil) }
                continue
            }
            guard let x = token.firstIndex(of: "x") else {
                emit(Double(token)!)
                continue
            }
            let head = token[..<x]
            let count = Int(token[token.index(after: x)...])!
            var base = Double(head)
            var increment = 0.0
            if base == nil, let sign = head.dropFirst().firstIndex(where: { $0 == "+" || $0 == "-" }) {
                base = Double(head[..<sign])!
                increment = Double(head[sign...])!
            }
            for index in 0...count { emit(base! + Double(index) * increment) }
        }
    }

    /// The values, missing ones dropped, with their timestamps.
    var observed: [(timestamp: Double, value: Double)] {
        samples.compactMap { sample in sample.value.map { (sample.timestamp, $0) } }
    }

    /// Runs a detector over the observed samples; returns each output with the sample's index.
    func run(_ parameters: EnsembleParameters = EnsembleParameters()) -> [(index: Int, output: DetectorOutput)] {
        var detector = EnsembleDetector(parameters: parameters)
        var outputs: [(Int, DetectorOutput)] = []
        for (index, sample) in samples.enumerated() {
            guard let value = sample.value, !value.isNaN else { continue }
            outputs.append((index, detector.observe(value, at: sample.timestamp, parameters: parameters)))
        }
        return outputs
    }

    /// Indices of the samples scoring at or above `threshold`.
    func alarms(
        _ parameters: EnsembleParameters = EnsembleParameters(),
        threshold: Double = EnsembleDetector.alarmThreshold
    )
        -> [Int]
    {
        run(parameters).filter { $0.output.score >= threshold }.map(\.index)
    }
}
