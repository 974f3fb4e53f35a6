import Foundation
import VigilYAML

/// Every detection rule and playbook Vigil runs with, from one or more rule files, validated as a
/// whole: a set with any error is refused with all of its errors listed, as `promtool check rules` does.
public struct RuleSet: Sendable {
    public var signals: [SignalRule]
    public var playbooks: [Playbook]
    /// The files it was read from, in order.
    public var files: [String]

    public init(signals: [SignalRule] = [], playbooks: [Playbook] = [], files: [String] = []) {
        self.signals = signals
        self.playbooks = playbooks
        self.files = files
    }

    /// Every problem of a refused rule set, each `file:line:column: field: message`.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var errors: [String]
        public var description: String { errors.joined(separator: "\n") }
    }

    /// Reads `paths`: files, directories (their `*.yaml` and `*.yml`, rule tests `*_test.yaml` left
    /// out) and globs in the last path component (`rules/*.yaml`), as Prometheus's `rule_files:` reads
    /// them. Names must be unique across the set.
    /// `findings`, when given, is the vocabulary of finding reasons the analyzers produce: a playbook
    /// naming another (a typo) is an error, since its condition could never hold.
    /// `eachPathNamesAFile`: a path that names no rule file (``namingNoFile(_:)``) is an error too, for
    /// paths a person typed; a configuration's `rule_files:`, as Prometheus's, may match nothing.
    public static func load(
        _ paths: [String],
        relativeTo base: String? = nil,
        findings: Set<String>? = nil,
        eachPathNamesAFile: Bool = false
    ) throws(LoadError) -> RuleSet {
        var errors: [String] = []
        var set = RuleSet()
        var files: [String] = []
        var unmatched: [String] = []
        for path in paths {
            let known = errors.count
            let named = expand([path], relativeTo: base, errors: &errors)
            if eachPathNamesAFile, named.isEmpty, errors.count == known { unmatched.append(Self.namesNoFile(path)) }
            files += named
        }
        // The signals left out for errors of their own, by name; nil once one's name is not known.
        var unread: Set<String>? = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                errors.append("\(file): cannot read the file")
                unread = nil
                continue
            }
            let text: String
            do { text = try YAMLDocument.text(data, file: file) } catch {
                errors.append(error.message)
                unread = nil
                continue
            }
            // What read of a file with errors still joins the set, so that one run lists the names it
            // repeats, the findings it misspells and the signals its playbooks name beside its other errors.
            let loaded = RuleFileReader.read(text, file: file)
            set.signals += loaded.rules.signals
            set.playbooks += loaded.rules.playbooks
            set.files += loaded.rules.files
            errors += loaded.errors
            if let names = loaded.unreadSignals { unread?.formUnion(names) } else { unread = nil }
        }
        // A playbook naming a signal left out for its own error names a signal all the same: reported, it
        // would bury the real error. Where some signal's name is not known, references wait for a clean read.
        errors += set.crossFileErrors(alsoDefined: unread)
        if let findings { errors += set.unknownFindings(findings) }
        errors += unmatched
        guard errors.isEmpty else { throw LoadError(errors: errors) }
        return set
    }

    /// The files `paths` name, sorted within each directory or glob so the order is stable.
    public static func expand(_ paths: [String], relativeTo base: String?, errors: inout [String]) -> [String] {
        var files: [String] = []
        for raw in paths {
            let trimmed = raw.count > 1 && raw.hasSuffix("/") ? String(raw.dropLast()) : raw
            let path = base.map { trimmed.hasPrefix("/") ? trimmed : "\($0)/\(trimmed)" } ?? trimmed
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                if isDirectory.boolValue {
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                    files += names.filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !isTest($0) }
                        .sorted().map { "\(path)/\($0)" }
                } else {
                    files.append(path)
                }
                continue
            }
            let directory = PathSplit.directory(of: path)
            let pattern = PathSplit.lastComponent(of: path)
            guard pattern.contains("*") || pattern.contains("?") else {
                errors.append("\(raw): no such file or directory")
                continue
            }
            let names =
                (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
            // A rule test file beside the rules is left out, as a directory leaves it out (rules/*.yaml
            // would take default_test.yaml and refuse the whole set), unless the pattern asks for tests.
            files += names.filter { fnmatch(pattern, $0, 0) == 0 && (!isTest($0) || isTest(pattern)) }.sorted()
                .map { directory.isEmpty ? $0 : "\(directory)/\($0)" }
        }
        return files
    }

    /// An error for each of `paths` that names no rule file although it exists or is a pattern: an empty
    /// directory, a glob that matches none (a typo: `*.yml` for `*.yaml`). Prometheus's `rule_files:` takes
    /// such a glob, and so does the daemon's; a command given paths by hand says so.
    public static func namingNoFile(_ paths: [String]) -> [String] {
        paths.filter { path in
            var errors: [String] = []
            return expand([path], relativeTo: nil, errors: &errors).isEmpty && errors.isEmpty
        }
        .map(namesNoFile)
    }

    private static func namesNoFile(_ path: String) -> String {
        "\(path): no rule file (*.yaml or *.yml, tests left out)"
    }

    static func isTest(_ name: String) -> Bool { name.hasSuffix("_test.yaml") || name.hasSuffix("_test.yml") }

    /// Playbooks naming a finding no analyzer gives (a typo: its condition could never hold).
    private func unknownFindings(_ known: Set<String>) -> [String] {
        playbooks.flatMap { playbook in
            (playbook.all + playbook.any + playbook.none).filter { $0.kind == .finding && !known.contains($0.name) }.map
            {
                "\(playbook.origin): playbook \"\(playbook.name)\": finding \"\($0.name)\" is no analyzer's (known: \(known.sorted().joined(separator: ", ")))"
            }
        }
    }

    /// Duplicate names across files, and playbooks asking for signals neither a rule nor `alsoDefined`
    /// (the signals left out for errors) defines; nil `alsoDefined`: references are not checked.
    private func crossFileErrors(alsoDefined: Set<String>?) -> [String] {
        var errors: [String] = []
        var seen: [String: String] = [:]
        for signal in signals {
            if let first = seen[signal.name] {
                errors.append("\(signal.origin): signal \"\(signal.name)\" is already defined at \(first)")
            }
            seen[signal.name] = seen[signal.name] ?? signal.origin
        }
        var playbookNames: [String: String] = [:]
        for playbook in playbooks {
            if let first = playbookNames[playbook.name] {
                errors.append("\(playbook.origin): playbook \"\(playbook.name)\" is already defined at \(first)")
            }
            playbookNames[playbook.name] = playbookNames[playbook.name] ?? playbook.origin
            for condition in playbook.all + playbook.any + playbook.none
            where condition.kind == .anomaly && seen[condition.name] == nil
                && alsoDefined.map({ !$0.contains(condition.name) }) == true
            {
                errors.append(
                    "\(playbook.origin): playbook \"\(playbook.name)\": anomaly \"\(condition.name)\" names no signal rule"
                )
            }
        }
        return errors
    }
}
