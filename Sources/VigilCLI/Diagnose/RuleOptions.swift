import ArgumentParser
import Foundation
import VigilEngine
import VigilRules

/// `--rules PATH…`: rule files, directories or globs; the default pack in `rules/` when none is given.
struct RuleOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "Rule files, directories or globs (repeatable). Default: ./rules, else /etc/vigil/rules."
    )
    var rules: [String] = []

    func load() throws -> RuleSet {
        let paths = rules.isEmpty ? [Self.defaultDirectory] : rules
        // A path that names no rule file would diagnose with none, and "No incidents" would say nothing.
        var errors = RuleSet.namingNoFile(paths)
        var set = RuleSet()
        do {
            set = try RuleSet.load(paths, findings: Finding.reasons)
        } catch {
            errors = error.errors + errors
        }
        guard errors.isEmpty else {
            for line in errors { Console.error(line) }
            throw ExitCode(2)
        }
        return set
    }

    static var defaultDirectory: String {
        FileManager.default.fileExists(atPath: "rules") ? "rules" : "/etc/vigil/rules"
    }
}
