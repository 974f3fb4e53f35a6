import ArgumentParser
import Foundation
import VigilEngine
import VigilKube
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
            the recording being "now". Proposals are printed with the kubectl command that would carry
            them out.

            --kubeconfig/--context connect a cluster (with --replay it must be named explicitly): every
            proposal is then sent as a server-side dry run and the report shows the server's answer and
            the fields that would change. --apply offers each proposal (Apply? [y/N]; --yes for scripts) and
            applies the accepted ones under remediation's guards, each step in <state-dir>/audit.jsonl
            first (vigil audit reads it). With --replay as well, the recorded scenario supplies the evidence
            and the connected cluster receives the dry runs and changes.

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

    @Option(help: ArgumentHelp("kubeconfig of the cluster that receives dry runs (and --apply).", valueName: "file"))
    var kubeconfig: String?

    @Option(help: ArgumentHelp("The kubeconfig context (default: its current-context).", valueName: "name"))
    var context: String?

    @Flag(help: "Offer each proposal for applying (Apply? [y/N]), under remediation's guards; needs a cluster.")
    var apply = false

    @Flag(help: "With --apply: apply every proposal whose dry run the server accepted, without asking.")
    var yes = false

    @OptionGroup var location: AuditLocation

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
        var incidents = engine.diagnose(history: scenario.history, cluster: scenario.cluster, now: scenario.now)
            .incidents
        if let remediation = try remediation() {
            do {
                incidents = try await remediation.run(incidents, cluster: scenario.cluster)
            } catch {
                Console.error("vigil diagnose: \(error)")
                throw ExitCode(2)
            }
        }
        switch output {
        case .json: try Console.current.writeOut(IncidentOutput.json(incidents, now: scenario.now) + "\n")
        case .text:
            Console.current.writeOut(IncidentOutput.text(incidents, now: scenario.now, source: replay))
        }
        if !incidents.isEmpty { throw ExitCode(1) }
    }

    /// The connected cluster's part, when one is named (explicitly: a replay never reaches the current
    /// context by accident).
    private func remediation() throws -> ClusterRemediation? {
        guard kubeconfig != nil || context != nil else {
            if apply {
                Console.error("vigil diagnose: --apply needs a cluster: --kubeconfig or --context")
                throw ExitCode(2)
            }
            return nil
        }
        let connection: KubeConnection
        do {
            connection = try KubeConnectionOptions.connection(
                kubeconfig: kubeconfig,
                context: context,
                namespace: nil,
                environment: ProcessInfo.processInfo.environment
            )
        } catch {
            Console.error("vigil diagnose: \(error.description)")
            throw ExitCode(2)
        }
        return ClusterRemediation(
            connection: connection,
            apply: apply ? ClusterRemediation.Apply(auditLog: location.path, assumeYes: yes) : nil
        )
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
