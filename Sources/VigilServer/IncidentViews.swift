import VigilEngine

/// An incident in one line of a list (the MCP tools' `list_incidents`): enough to choose which to read.
package struct IncidentLine: Encodable {
    var id: String
    var namespace: String?
    var workload: String
    var cause: String
    var summary: String
    var severity: String
    var startedAt: String
    var proposals: Int

    package init(_ incident: Incident) {
        id = incident.id
        namespace = incident.subject.namespace.isEmpty ? nil : incident.subject.namespace
        workload = incident.subject.description
        cause = incident.cause
        summary = incident.summary
        severity = incident.severity.description
        startedAt = Timestamp.utc(incident.startedAt)
        proposals = incident.proposals.count
    }

    enum CodingKeys: String, CodingKey {
        case id, namespace, workload, cause, summary, severity, proposals
        case startedAt = "started_at"
    }
}

/// An incident in the schema of `vigil diagnose --output json`, its evidence strongest first (most severe,
/// then in the report's order) and cut to the strongest `evidenceLimit` pieces, the cut counted. Strongest
/// first, so that an answer cut further to fit its budget (which keeps a list's first half) keeps the
/// evidence that matters.
package struct IncidentDetail: Encodable {
    var incident: Incident
    var evidenceOmitted: Int

    package init(_ incident: Incident, evidenceLimit: Int) {
        var kept = incident
        kept.evidence = Array(
            incident.evidence.enumerated().sorted {
                ($0.element.severity, -$0.offset) > ($1.element.severity, -$1.offset)
            }
            .prefix(evidenceLimit).map(\.element)
        )
        self.incident = kept
        evidenceOmitted = incident.evidence.count - kept.evidence.count
    }

    package func encode(to encoder: any Encoder) throws {
        try incident.encode(to: encoder)
        guard evidenceOmitted > 0 else { return }
        var container = encoder.container(keyedBy: ExtraKeys.self)
        try container.encode(evidenceOmitted, forKey: .evidenceOmitted)
    }

    enum ExtraKeys: String, CodingKey {
        case evidenceOmitted = "evidence_omitted"
    }
}
