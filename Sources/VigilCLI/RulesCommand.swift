import ArgumentParser
import VigilEngine
import VigilRules

/// `vigil rules`: rule files, checked as `promtool check rules` checks Prometheus's.
struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check rule files (detection rules and playbooks).",
        subcommands: [Check.self, Test.self]
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
                // A path that checks nothing is no success: a glob's typo (*.yml for *.yaml), an empty directory.
                let set = try RuleSet.load(paths, findings: Finding.reasons, eachPathNamesAFile: true)
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

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Run rule unit tests: input series, objects and events → the incidents expected at given times.",
            discussion: """
                The format follows promtool test rules: rule_files, evaluation_interval (each test's default \
                interval, 1m), then tests with interval, input_series (series and values in promtool's 'a+bxN' \
                notation: '_' a missing sample, 'stale' a staleness marker, NaN a value), objects and events \
                (Kubernetes objects as YAML), and expected_incidents (eval_time, then workload, namespace, cause and action of \
                each incident, most important first). Exit 1 when any test fails.
                """
        )

        @Argument(help: "Rule test files (*_test.yaml).")
        var files: [String]

        func run() async throws {
            var failed = false
            for path in files {
                Console.out("Unit Testing: \(path)")
                do {
                    let file = try RuleTestFile.load(path)
                    let rules = try RuleSet.load(file.ruleFiles, findings: Finding.reasons)
                    let failures = RuleTestRunner.run(file, rules: rules)
                    if failures.isEmpty {
                        Console.out("  SUCCESS")
                    } else {
                        failed = true
                        Console.out("  FAILED:")
                        for failure in failures { Console.out(failure.description) }
                    }
                } catch let error as RuleTestFile.LoadError {
                    failed = true
                    for line in error.errors { Console.error(line) }
                } catch let error as RuleSet.LoadError {
                    failed = true
                    for line in error.errors { Console.error(line) }
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}
