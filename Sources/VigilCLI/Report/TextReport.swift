import Foundation
import VigilEngine

/// The report a person reads in ten seconds at a terminal: incidents ranked, each with its one-line
/// cause, the signals that fired as sparklines with the anomalous stretch marked (`^`), the evidence
/// folded with counts, and each proposal's exact kubectl command with its dry run when there is one.
/// Every line fits `width` columns (100 by default); colour only when `style` says so.
struct TextReport {
    var report: DiagnosisReport
    var style: TerminalStyle
    var width = 100
    /// Sparkline columns.
    var sparklineWidth = 60
    /// Evidence items shown per incident before "… and N more".
    var evidenceLimit = 12

    func render() -> String {
        var lines: [String] = []
        let range = report.start.map { "\(Timestamp.utc($0)) → " } ?? "at "
        lines.append(style.bold(report.countLine) + " · \(range)\(Timestamp.utc(report.now))")
        lines.append(style.dim(report.source))
        for (index, incident) in report.incidents.enumerated() {
            lines.append("")
            lines += render(incident, rank: index + 1)
        }
        return lines.map(fitted).joined(separator: "\n") + "\n"
    }

    private func render(_ incident: Incident, rank: Int) -> [String] {
        var lines: [String] = []
        let severity = incident.severity.description.uppercased()
        let coloured = incident.severity >= .critical ? style.red(severity) : style.yellow(severity)
        let scope = incident.subject.namespace.isEmpty ? "" : "\(incident.subject.namespace) "
        lines.append(
            "\(rank). \(coloured) \(style.bold("\(scope)\(incident.subject)")) — \(style.bold(incident.cause))"
                + " (confidence \(incident.confidence))"
        )
        lines += wrapped(incident.summary, indent: "   ")
        lines.append(
            style.dim(
                "   since \(Timestamp.utc(incident.startedAt)) · id \(incident.id)"
                    + (incident.playbook.map { " · playbook \($0)" } ?? "")
            )
        )
        let fired = report.signals[incident.id] ?? []
        if !fired.isEmpty {
            lines.append("   Signals")
            for signal in fired { lines += render(signal) }
        }
        lines.append("   Evidence")
        for item in incident.evidence.prefix(evidenceLimit) {
            let count = item.count > 1 ? " ×\(item.count)" : ""
            let kind = item.kind.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
            lines.append(
                "     \(DiagnosisReport.clock(item.at)) \(kind) \(style.bold(item.name + count))  \(item.message)"
            )
        }
        if incident.evidence.count > evidenceLimit {
            lines.append("     … and \(incident.evidence.count - evidenceLimit) more")
        }
        if incident.proposals.isEmpty {
            lines.append("   Proposed: nothing (cause unknown or explain only)")
        } else {
            lines.append("   Proposed")
            for proposal in incident.proposals { lines += render(proposal) }
        }
        lines += wrapped("Why: \(incident.explanation)", indent: "   ")
        return lines
    }

    private func render(_ fired: FiredSignal) -> [String] {
        let (start, end) = report.drawnRange(fired)
        let first = fired.anomalies[0]
        let sparkline = Sparkline(
            times: fired.signal.times,
            values: fired.signal.values,
            start: start,
            end: end,
            width: sparklineWidth,
            reference: first.expected,
            stretches: fired.anomalies.map { $0.startedAt...$0.lastSeenAt }
        )
        let direction = first.peak >= first.expected ? "up to" : "down to"
        let title =
            "     \(style.bold(fired.signal.rule)) \(fired.object): usually \(DiagnosisEngine.formatted(first.expected))"
            + " ± \(DiagnosisEngine.formatted(3 * first.spread)),"
            + " \(direction) \(DiagnosisEngine.formatted(first.peak)) from \(DiagnosisReport.clock(first.startedAt))"
            + (first.ongoing ? ", ongoing" : "")
        var drawn = ""
        for (block, marked) in zip(sparkline.blocks, sparkline.marked) {
            drawn += marked ? style.red(String(block)) : String(block)
        }
        let scale = "\(DiagnosisEngine.formatted(sparkline.low)) … \(DiagnosisEngine.formatted(sparkline.high))"
        return [title, "     \(drawn)  \(style.dim(scale))", "     " + style.red(sparkline.markers)]
    }

    private func render(_ proposal: Proposal) -> [String] {
        var lines = ["     " + style.cyan("$ \(proposal.kubectl)"), "       \(proposal.rationale)"]
        if let dryRun = proposal.dryRun {
            switch dryRun.outcome {
            case .accepted: lines.append("       dry run: " + style.green("accepted by the server"))
            case .refused(_, let message):
                lines.append("       dry run: " + style.red(dryRun.refusalLabel) + ": \(message)")
            }
            for change in dryRun.changes {
                lines.append("         \(change.path): \(change.before ?? "(none)") → \(change.after ?? "(removed)")")
            }
        }
        return lines
    }

    /// Prose broken at spaces into lines of at most `width` columns: the first after `indent`, the
    /// rest two columns further in. A word longer than a line is left to ``fitted(_:)``.
    private func wrapped(_ text: String, indent: String) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            let prefix = lines.isEmpty ? indent : indent + "  "
            if !current.isEmpty && prefix.count + current.count + 1 + word.count > width {
                lines.append(prefix + current)
                current = ""
            }
            current += current.isEmpty ? String(word) : " " + word
        }
        lines.append((lines.isEmpty ? indent : indent + "  ") + current)
        return lines
    }

    /// The line cut to `width` visible columns with "…" (ANSI sequences do not count, and are closed).
    private func fitted(_ line: String) -> String {
        var visible = 0
        var inEscape = false
        var kept = ""
        for character in line {
            if character == "\u{1B}" { inEscape = true }
            if inEscape {
                kept.append(character)
                if character == "m" { inEscape = false }
                continue
            }
            visible += 1
            if visible == width { kept.append("…") }
            if visible < width { kept.append(character) }
        }
        guard visible > width else { return line }
        return style.colour ? kept + "\u{1B}[0m" : kept
    }
}
