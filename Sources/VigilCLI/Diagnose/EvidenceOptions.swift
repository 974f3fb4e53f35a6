import ArgumentParser
import VigilEngine
import VigilYAML

/// What a diagnosis reads — Prometheus's history (`--prometheus URL`) or a recorded scenario (`--replay
/// DIR`) — and judges it by: the rules, and how far back evidence counts. `vigil diagnose` and `vigil
/// mcp` read alike.
struct EvidenceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A recorded scenario's directory, instead of --prometheus.", valueName: "dir"))
    var replay: String?

    @OptionGroup(title: "History from Prometheus") var history: PrometheusOptions

    @OptionGroup var rules: RuleOptions

    @Option(
        help: ArgumentHelp("Evidence older than this before the end is not counted (1h, 30m).", valueName: "duration")
    )
    var window: String = "1h"

    func validate() throws {
        guard (replay == nil) != (history.prometheus == nil) else {
            throw ValidationError("give one of --prometheus URL and --replay DIR")
        }
        if replay != nil, !history.optionsGiven.isEmpty {
            throw ValidationError(
                "\(history.optionsGiven.joined(separator: ", ")): what to read from Prometheus and how; --replay "
                    + "reads its recording whole, its last sample being now"
            )
        }
        guard DurationSyntax.seconds(window).map({ $0 > 0 }) == true else {
            throw ValidationError("--window: expected a duration like 1h or 30m, got \"\(window)\"")
        }
    }

    /// `--window` in seconds (validated).
    var windowSeconds: Double { DurationSyntax.seconds(window) ?? 3600 }

    /// The engine of the rules and window, or the rule files' errors on standard error and exit status 2.
    func engine() throws -> DiagnosisEngine {
        DiagnosisEngine(rules: try rules.load(), window: windowSeconds)
    }
}
