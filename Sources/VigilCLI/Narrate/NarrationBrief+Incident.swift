import VigilAssist
import VigilEngine

extension NarrationBrief {
    /// What the narrator may hear of `incident`: event and alert messages marked as the cluster's own
    /// words (withheld), everything else Vigil's, each field masked by the narrator for what it is.
    init(_ incident: Incident) {
        self.init(
            kind: incident.subject.kind,
            namespace: incident.subject.namespace,
            name: incident.subject.name,
            cause: incident.cause,
            severity: incident.severity.description,
            summary: incident.summary,
            explanation: incident.explanation,
            evidence: incident.evidence.prefix(20).map { evidence in
                Line(
                    kind: evidence.kind.rawValue,
                    reason: evidence.name,
                    object: evidence.object,
                    message: evidence.message,
                    fromCluster: evidence.kind == .event || evidence.kind == .alert,
                    count: evidence.count
                )
            },
            proposals: incident.proposals.map {
                Action(action: $0.action, target: $0.target, namespace: $0.namespace)
            }
        )
    }
}
