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
        do {
            // A path that names no rule file would diagnose with none, and "No incidents" would say nothing.
            return try RuleSet.load(paths, findings: Finding.reasons, eachPathNamesAFile: true)
        } catch {
            for line in error.errors { Console.error(line) }
            throw ExitCode(2)
        }
    }

    static var defaultDirectory: String {
        FileManager.default.fileExists(atPath: "rules") ? "rules" : "/etc/vigil/rules"
    }
}
