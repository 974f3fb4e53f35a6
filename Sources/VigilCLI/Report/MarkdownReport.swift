import Foundation
import VigilEngine

/// The report for a ticket or a pull request: the same content as ``TextReport`` in GitHub-flavoured
/// Markdown — a heading per incident, sparklines in code spans, evidence as a table, each kubectl
/// command in a shell block.
struct MarkdownReport {
    var report: DiagnosisReport
    var sparklineWidth = 60

    func render() -> String {
        var text = "# \(report.countLine)\n\n"
        let range = report.start.map { "\(Timestamp.utc($0)) → " } ?? "at "
        text += "Source: \(Self.escaped(report.source)), \(range)\(Timestamp.utc(report.now)).\n"
        for (index, incident) in report.incidents.enumerated() {
            text += "\n" + render(incident, rank: index + 1)
        }
        return text
    }

    private func render(_ incident: Incident, rank: Int) -> String {
        let scope = incident.subject.namespace.isEmpty ? "" : " in `\(incident.subject.namespace)`"
        var text = "## \(rank). `\(incident.subject)`\(scope): \(incident.cause)\n\n"
        text += "**\(Self.escaped(incident.summary))** — \(incident.severity), confidence \(incident.confidence),"
        text += " since \(Timestamp.utc(incident.startedAt)) (id `\(incident.id)`"
        text += (incident.playbook.map { ", playbook `\($0)`" } ?? "") + ")\n\n"
        let fired = report.signals[incident.id] ?? []
        if !fired.isEmpty {
            text += "| signal | over the range (anomalous stretch underneath) | usually | peak |\n|---|---|---|---|\n"
            for signal in fired {
                let (start, end) = report.drawnRange(signal)
                let first = signal.anomalies[0]
                let sparkline = Sparkline(
                    times: signal.signal.times,
                    values: signal.signal.values,
                    start: start,
                    end: end,
                    width: sparklineWidth,
                    reference: first.expected,
                    stretches: signal.anomalies.map { $0.startedAt...$0.lastSeenAt }
                )
                let markers = String(sparkline.marked.map { $0 ? "^" : "\u{2007}" })
                text += "| \(signal.signal.rule) `\(signal.object)` | `\(sparkline.line)`<br>`\(markers)` |"
                text += " \(DiagnosisEngine.formatted(first.expected)) | \(DiagnosisEngine.formatted(first.peak)) |\n"
            }
            text += "\n"
        }
        text += "| time (UTC) | kind | what | count | detail |\n|---|---|---|---|---|\n"
        for item in incident.evidence {
            text += "| \(DiagnosisReport.clock(item.at)) | \(item.kind.rawValue) | \(Self.escaped(item.name)) |"
            text += " \(item.count) | \(Self.escaped(item.message)) |\n"
        }
        text += "\n"
        if incident.proposals.isEmpty {
            text += "Nothing is proposed.\n"
        } else {
            text += "Proposed:\n\n"
            for proposal in incident.proposals {
                text += "```sh\n\(proposal.kubectl)\n```\n\n\(Self.escaped(proposal.rationale))\n"
                if let dryRun = proposal.dryRun {
                    switch dryRun.outcome {
                    case .accepted: text += "\nDry run: accepted by the server.\n"
                    case .refused(_, let message):
                        text += "\nDry run: **\(dryRun.refusalLabel)**: \(Self.escaped(message))\n"
                    }
                    if !dryRun.changes.isEmpty {
                        text += "\n```diff\n"
                        for change in dryRun.changes {
                            if let before = change.before { text += "- \(change.path): \(before)\n" }
                            if let after = change.after { text += "+ \(change.path): \(after)\n" }
                        }
                        text += "```\n"
                    }
                }
                text += "\n"
            }
        }
        text += "\(Self.escaped(incident.explanation))\n"
        return text
    }

    /// Text safe in a table cell and in running prose: pipes escaped, newlines folded.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
