import ArgumentParser
import VigilRules

/// `vigil rules`: rule files, checked as `promtool check rules` checks Prometheus's.
struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check rule files (detection rules and playbooks).",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate rule files: every error as FILE:LINE:COL: field: message, exit 1 on any.",
            discussion: "Directories are read for *.yaml and *.yml (rule tests, *_test.yaml, left out)."
        )

        @Argument(help: "Rule files, directories or globs.")
        var paths: [String]

        func run() async throws {
            do {
                let set = try RuleSet.load(paths)
                for file in set.files {
                    let signals = set.signals.filter { $0.origin.hasPrefix(file + ":") }.count
                    let playbooks = set.playbooks.filter { $0.origin.hasPrefix(file + ":") }.count
                    Console.out("Checking \(file)\n  SUCCESS: \(signals) signals, \(playbooks) playbooks found")
                }
            } catch {
                for line in error.errors { Console.error(line) }
                Console.error("FAILED: \(error.errors.count) error\(error.errors.count == 1 ? "" : "s")")
                throw ExitCode(1)
            }
        }
    }
}
