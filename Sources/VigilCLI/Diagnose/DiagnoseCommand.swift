import ArgumentParser
import Foundation
import VigilEngine
import VigilRules
import VigilYAML

/// `vigil diagnose`: the diagnosis engine on demand. Today from a recorded scenario (`--replay DIR`).
struct DiagnoseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "Diagnose a workload: incidents with a ranked cause, evidence and proposed fixes.",
        discussion: """
            --replay DIR reads a recorded scenario: metrics.om (OpenMetrics, a timestamp on every sample),
            events.json (kubectl get events -o json) and cluster.json (kubectl get … -o json), the end of
            the recording being "now". Nothing is applied: proposals are printed with the kubectl command
            that would carry them out.

            Exit status: 0 when nothing is found, 1 when incidents are found, 2 on errors.
            """
    )

    @Option(name: .long, help: "A recorded scenario's directory.")
    var replay: String

    @OptionGroup var rules: RuleOptions

    @Option(name: .long, help: "Evidence older than this before the end is not counted (e.g. 1h, 30m).")
    var window: String = "1h"

    @Option(name: [.short, .long], help: "text or json.")
    var output: OutputFormat = .text

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    func run() async throws {
        guard let windowSeconds = DurationSyntax.seconds(window), windowSeconds > 0 else {
            Console.error("vigil diagnose: --window: expected a duration like 1h or 30m, got \"\(window)\"")
            throw ExitCode(2)
        }
        let ruleSet = try rules.load()
        let engine = DiagnosisEngine(rules: ruleSet, window: windowSeconds)
        let scenario: ReplayScenario
        do {
            scenario = try ReplayScenario.load(replay, keeping: engine.selects)
        } catch {
            Console.error("vigil diagnose: \(error.description)")
            throw ExitCode(2)
        }
        let diagnosis = engine.diagnose(history: scenario.history, cluster: scenario.cluster, now: scenario.now)
        switch output {
        case .json: try Console.current.writeOut(IncidentOutput.json(diagnosis.incidents, now: scenario.now) + "\n")
        case .text:
            Console.current.writeOut(IncidentOutput.text(diagnosis.incidents, now: scenario.now, source: replay))
        }
        if !diagnosis.incidents.isEmpty { throw ExitCode(1) }
    }
}

/// `--rules PATH…`: rule files, directories or globs; the default pack in `rules/` when none is given.
struct RuleOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "Rule files, directories or globs (repeatable). Default: ./rules, else /etc/vigil/rules."
    )
    var rules: [String] = []

    func load() throws -> RuleSet {
        let paths = rules.isEmpty ? [Self.defaultDirectory] : rules
        do {
            return try RuleSet.load(paths, findings: Finding.reasons)
        } catch {
            for line in error.errors { Console.error(line) }
            throw ExitCode(2)
        }
    }

    static var defaultDirectory: String {
        FileManager.default.fileExists(atPath: "rules") ? "rules" : "/etc/vigil/rules"
    }
}
