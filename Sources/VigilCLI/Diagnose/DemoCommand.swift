import ArgumentParser
import Foundation
import VigilEngine
import VigilRules

/// `vigil demo`: the whole pipeline on a bundled scenario — recorded metrics, events and objects, the
/// default rules, the diagnosis, the report — with no cluster and no network.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Diagnose a bundled scenario (no cluster, no network) and print the report.",
        discussion: """
            Reads sample-metrics/scenarios/ and rules/ from the current directory, else from the \
            checkout the binary was built in. With --all, every bundled scenario is diagnosed and shown \
            beside its expected diagnosis (exit status 1 if any differs, 2 if there is none to show).
            """
    )

    @Option(help: ArgumentHelp("The scenario to diagnose (see --all for the list).", valueName: "name"))
    var scenario: String = "memory-limit-1"

    @Flag(help: "Every bundled scenario beside its expected diagnosis.")
    var all = false

    @Option(help: ArgumentHelp("Where the scenarios are (default: sample-metrics/scenarios).", valueName: "dir"))
    var scenarios: String?

    @OptionGroup var colors: ColorOptions

    func run() async throws {
        let (directory, rulesDirectory) = try locate()
        let rules: RuleSet
        do {
            rules = try RuleSet.load([rulesDirectory], findings: Finding.reasons)
        } catch {
            for line in error.errors { Console.error(line) }
            throw ExitCode(2)
        }
        let engine = DiagnosisEngine(rules: rules)
        if all {
            let table = try DemoTable.build(directory: directory, engine: engine)
            guard !table.rows.isEmpty else {
                Console.error(
                    "vigil demo: no scenario in \(directory) (a directory holding expected.json beside its recording)"
                )
                throw ExitCode(2)
            }
            Console.current.writeOut(table.render(style: colors.style))
            if table.rows.contains(where: { !$0.matches }) { throw ExitCode(1) }
            return
        }
        let path = "\(directory)/\(scenario)"
        let input: DiagnosisInput
        do {
            input = try DiagnosisInput.replay(path, engine: engine)
        } catch {
            Console.error("vigil demo: \(error.description) (scenarios: vigil demo --all)")
            throw ExitCode(2)
        }
        if let expected = try? ExpectedDiagnosis.load(path) {
            Console.current.writeOut("Scenario \(scenario): \(expected.description)\n\n")
        }
        let diagnosis = engine.diagnose(history: input.history, cluster: input.cluster, now: input.now)
        let report = DiagnosisReport(
            source: "scenario \(scenario)",
            now: input.now,
            start: input.start,
            diagnosis: diagnosis,
            incidents: diagnosis.incidents
        )
        Console.current.writeOut(TextReport(report: report, style: colors.style).render())
        Console.current.writeOut(
            "\nThe same on your cluster: vigil diagnose --prometheus URL -n NAMESPACE (kubectl's kubeconfig).\n"
        )
    }

    /// The scenarios and rules directories: as given, else under the current directory, else in the
    /// checkout the binary was built in — the nearest directory above it that holds them
    /// (`.build/debug/vigil` resolves to `.build/<triple>/debug/vigil`, whose checkout is the fourth
    /// directory above it).
    private func locate() throws -> (scenarios: String, rules: String) {
        let fileManager = FileManager.default
        if let scenarios {
            return (scenarios, RuleOptions.defaultDirectory)
        }
        // The running binary's own path (on Linux, /proc/self/exe's): argv[0] is a bare `vigil` when run
        // through $PATH.
        let executable = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments.first ?? ""))
            .resolvingSymlinksInPath()
        let above = sequence(first: executable.deletingLastPathComponent()) { directory in
            directory.path == "/" ? nil : directory.deletingLastPathComponent()
        }
        for root in [fileManager.currentDirectoryPath] + above.prefix(4).map(\.path)
        where fileManager.fileExists(atPath: "\(root)/sample-metrics/scenarios") {
            return ("\(root)/sample-metrics/scenarios", "\(root)/rules")
        }
        Console.error(
            "vigil demo: no sample-metrics/scenarios here or in the checkout above \(executable.path): run it from "
                + "Vigil's checkout, or give --scenarios"
        )
        throw ExitCode(2)
    }
}
