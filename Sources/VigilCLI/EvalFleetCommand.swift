import ArgumentParser
import Foundation
import VigilCore

/// `vigil eval fleet`: how many anomalies the detector raises on a generated healthy fleet.
struct EvalFleetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Count the anomalies a detector raises on a generated healthy fleet (false alarms).",
        discussion: """
            The fleet mixes node_exporter, kube-state-metrics and application series with daily cycles, \
            deploys that restart processes (counter resets, a missed scrape) and scrape gaps; counters \
            are scored as rates, as the daemon scores them. A run of alarming samples is one anomaly.
            """
    )

    @Option(help: "Series in the fleet.")
    var series = 1000

    @Option(help: "Simulated days, from a cold start.")
    var days = 7

    @Option(help: "Seconds between scrapes: the daemon's scrape interval.")
    var step = 15.0

    @Option(help: "The score at which a sample is anomalous: the daemon's.")
    var threshold = EnsembleDetector.alarmThreshold

    @Option(help: "Seed of the generator.")
    var seed: UInt64 = 1

    @Option(help: "Print the first N anomalies: series, kind, when, and what the detector said.")
    var explain = 0

    @OptionGroup var detector: DetectorOptions

    func validate() throws {
        guard (1...10_000_000).contains(series) else { throw ValidationError("--series: expected 1…10000000") }
        guard (1...365).contains(days) else { throw ValidationError("--days: expected 1…365") }
        guard (1...86_400).contains(step) else { throw ValidationError("--step: expected 1…86400 seconds") }
        guard (0...1).contains(threshold) else { throw ValidationError("--threshold: expected 0…1") }
        guard (0...100_000).contains(explain) else { throw ValidationError("--explain: expected 0…100000") }
    }

    func run() async throws {
        let fleet = HealthyFleet(seriesCount: series, days: days, step: step, seed: seed)
        let outcome = fleet.falseAlarms(
            parameters: try detector.parameters(),
            threshold: threshold,
            recordLimit: explain
        )
        Console.out(
            "healthy fleet: \(series) series × \(days) days, a scrape every \(String(format: "%g", step)) s, "
                + "\(outcome.samples) samples, detector \(detector.detector), threshold \(threshold)"
        )
        Console.out(
            "anomalies: \(outcome.anomalies) = \(String(format: "%.3f", outcome.perThousandSeriesPerDay)) "
                + "per 1,000 series per day"
        )
        for kind in HealthyFleet.Kind.allCases {
            Console.out("  \(kind.rawValue): \(outcome.byKind[kind.rawValue, default: 0])")
        }
        for alarm in outcome.first { Console.out(Self.describe(alarm)) }
    }

    /// One line per false alarm: which series, when, and what the detector expected.
    static func describe(_ alarm: HealthyFleet.Alarm) -> String {
        let output = alarm.output
        let day = String(format: "%.3f", alarm.elapsed / 86_400)
        let score = String(format: "%.2f", output.score)
        let observed = String(format: "%.4g", output.observed)
        let expected = String(format: "%.4g", output.expected)
        let spread = String(format: "%.3g", output.spread)
        let deviation = String(format: "%+.1f", output.deviation)
        let gap = alarm.sinceGap.map { String(format: "%.0f s before", $0) } ?? "never"
        let fired = output.fired.names.joined(separator: ",")
        return "series \(alarm.series) \(alarm.kind.rawValue) day \(day): score \(score), observed \(observed), "
            + "expected \(expected) ± \(spread) (\(deviation) spreads), fired \(fired), last gap \(gap)"
    }
}
