import ArgumentParser
import Foundation
import VigilEngine
import VigilYAML

/// `vigil audit`: reads the remediation audit log — every proposal, dry run, approval, refusal, apply,
/// verification and undo, oldest first.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read the remediation audit log: what was proposed, refused, applied, verified, undone.",
        discussion: """
            The log is <state-dir>/audit.jsonl: the daemon's --state-dir, or vigil diagnose --apply's \
            (default $XDG_STATE_HOME/vigil, else ~/.local/state/vigil). Each line is one step, written and \
            fsynced before the next step was taken. A line that cannot be read is reported on stderr with \
            its line number; the rest is still shown.

            Exit status: 0, or 2 when the log is not there or cannot be read.
            """
    )

    @OptionGroup var location: AuditLocation

    @Option(name: .long, help: "Only steps from this long ago (e.g. 2h, 7d) or since this RFC 3339 time.")
    var since: String?

    @Option(name: .long, help: "Only this incident's steps.")
    var incident: String?

    @Option(name: .long, help: "Only this proposal's steps.")
    var proposal: String?

    @Option(name: .long, help: "Only this action's steps (set-resources, undo, restart, cordon…).")
    var action: String?

    @Option(name: [.short, .long], help: "text, or json (one JSON object per line, as stored).")
    var output: Format = .text

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    func run() async throws {
        let from: Double?
        if let since {
            if let seconds = DurationSyntax.seconds(since) {
                from = Date().timeIntervalSince1970 - seconds
            } else if let time = Timestamp.seconds(since) {
                from = time
            } else {
                Console.error("vigil audit: --since: expected a duration like 2h or an RFC 3339 time, got \"\(since)\"")
                throw ExitCode(2)
            }
        } else {
            from = nil
        }
        // A log never written reads as empty to the daemon; to a person, no output would hide a wrong path.
        guard FileManager.default.fileExists(atPath: location.path) else {
            Console.error(
                "vigil audit: no audit log at \(location.path): nothing was recorded there — the daemon writes it in "
                    + "its --state-dir, vigil diagnose --apply in \(AuditLocation.userStateDirectory()) unless told "
                    + "otherwise; give --state-dir or --audit-log"
            )
            throw ExitCode(2)
        }
        let read: (records: [AuditRecord], problems: [String])
        do {
            read = try AuditLog.read(path: location.path)
        } catch {
            Console.error("vigil audit: \(error)")
            throw ExitCode(2)
        }
        for problem in read.problems { Console.error("vigil audit: \(problem)") }
        let records = read.records.filter { record in
            (from.map { (Timestamp.seconds(record.time) ?? 0) >= $0 } ?? true)
                && (incident.map { record.incident == $0 } ?? true)
                && (proposal.map { record.proposal == $0 } ?? true)
                && (action.map { record.action == $0 } ?? true)
        }
        switch output {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for record in records {
                Console.out(String(decoding: try encoder.encode(record), as: UTF8.self))
            }
        case .text:
            for record in records { Console.out(Self.line(record)) }
        }
    }

    /// `TIME  STEP  ACTION TARGET -n NS  PROPOSAL  by ACTOR: what`.
    static func line(_ record: AuditRecord) -> String {
        let object = record.namespace.isEmpty ? record.target : "\(record.target) -n \(record.namespace)"
        var what = [record.reason, record.message].compactMap { $0 }.joined(separator: ": ")
        if let changes = record.changes, record.step == .dryRun, !changes.isEmpty {
            what +=
                " (" + changes.map { "\($0.path) \($0.before ?? "∅") → \($0.after ?? "∅")" }.joined(separator: ", ")
                + ")"
        }
        if let request = record.request, let method = request.method, let path = request.path {
            what += (what.isEmpty ? "" : "; ") + "\(method) \(path)"
        }
        // One record, one line: a drain's summary has a line per pod.
        what = what.split(whereSeparator: \.isNewline).joined(separator: "; ")
        let step = record.step.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
        return "\(record.time)  \(step)  \(record.action) \(object)  \(record.proposal)  by \(record.actor)"
            + (what.isEmpty ? "" : ": \(what)")
    }
}

/// Where the audit log is: `--audit-log FILE`, else `<--state-dir>/audit.jsonl`, else the user's state
/// directory's.
struct AuditLocation: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: "The state directory holding audit.jsonl.")
    var stateDirectory: String?

    @Option(name: .customLong("audit-log"), help: "The audit log file itself.")
    var auditLog: String?

    var path: String {
        auditLog ?? "\(stateDirectory ?? Self.userStateDirectory())/audit.jsonl"
    }

    /// `$XDG_STATE_HOME/vigil`, else `~/.local/state/vigil` (the XDG base directory default).
    static func userStateDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return "\(state)/vigil" }
        return "\(environment["HOME"] ?? NSHomeDirectory())/.local/state/vigil"
    }
}
