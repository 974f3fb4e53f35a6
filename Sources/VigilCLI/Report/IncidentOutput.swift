import Foundation
import VigilEngine

/// How `vigil diagnose` prints incidents: a report a person reads at a glance, or the documented JSON.
enum IncidentOutput {
    static func json(_ incidents: [Incident], now: Double) throws -> String {
        struct Document: Encodable {
            var status = "success"
            var now: String
            var incidents: [Incident]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(Document(now: Timestamp.utc(now), incidents: incidents))
        return String(decoding: data, as: UTF8.self)
    }

    static func text(_ incidents: [Incident], now: Double, source: String) -> String {
        guard !incidents.isEmpty else { return "No incidents (\(source), at \(Timestamp.utc(now))).\n" }
        var text =
            "\(incidents.count) incident\(incidents.count == 1 ? "" : "s") (\(source), at \(Timestamp.utc(now)))\n"
        for (index, incident) in incidents.enumerated() {
            let scope = incident.subject.namespace.isEmpty ? "" : "\(incident.subject.namespace) "
            text += "\n\(index + 1). \(scope)\(incident.subject) — \(incident.cause)"
            text +=
                " (\(incident.severity), confidence \(incident.confidence)) since \(Timestamp.utc(incident.startedAt))\n"
            text += "   \(incident.summary)\n"
            text += "   id \(incident.id)\(incident.playbook.map { ", playbook \($0)" } ?? "")\n"
            text += "   Evidence:\n"
            for item in incident.evidence.prefix(12) {
                let when = item.at.map { String(Timestamp.utc($0).dropFirst(11).prefix(8)) } ?? "--:--:--"
                let count = item.count > 1 ? " (×\(item.count))" : ""
                text += "     \(when) \(item.kind.rawValue) \(item.name)\(count): \(item.message)\n"
            }
            if incident.evidence.count > 12 { text += "     … and \(incident.evidence.count - 12) more\n" }
            if incident.proposals.isEmpty {
                text += "   Proposed: nothing (explain only)\n"
            } else {
                text += "   Proposed:\n"
                for proposal in incident.proposals {
                    text += "     \(proposal.kubectl)\n       \(proposal.rationale)\n"
                }
            }
            text += "   \(incident.explanation)\n"
        }
        return text
    }
}
