import Foundation

/// Turns an incident's evidence into prose. The default needs no model: it fills the playbook's
/// `explain:` template from the evidence. An optional language-model narrator may sit beside it later,
/// but only ever beside this text, never instead of it.
public protocol Narrator: Sendable {
    func explain(_ incident: Incident, template: String) -> String
}

/// The deterministic narrator: `{{workload}}`, `{{namespace}}`, `{{summary}}`, `{{evidence}}` (the three
/// strongest pieces of evidence) and `{{onset}}` (UTC) in the template are replaced.
public struct EvidenceNarrator: Narrator {
    public init() {}

    public func explain(_ incident: Incident, template: String) -> String {
        let strongest = incident.evidence.sorted {
            ($0.severity, $0.kind == .finding ? 1 : 0) > ($1.severity, $1.kind == .finding ? 1 : 0)
        }
        .prefix(3).map(\.message).joined(separator: "; ")
        let text = template.isEmpty ? "{{summary}}: {{evidence}}." : template
        return text.replacingOccurrences(of: "{{workload}}", with: incident.subject.description)
            .replacingOccurrences(of: "{{namespace}}", with: incident.subject.namespace)
            .replacingOccurrences(of: "{{summary}}", with: incident.summary)
            .replacingOccurrences(of: "{{evidence}}", with: strongest)
            .replacingOccurrences(of: "{{onset}}", with: Timestamp.utc(incident.startedAt))
    }
}
