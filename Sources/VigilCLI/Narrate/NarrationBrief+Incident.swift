import VigilAssist
import VigilEngine

extension NarrationBrief {
    /// What the narrator may hear of `incident`: every message but an anomaly's marked as the cluster's
    /// own words (withheld): events and alerts are the cluster's, and findings quote it (a changed
    /// environment value, a container's waiting message). Anomalies are Vigil's sentences, masked. All
    /// the evidence is listed, so every message the explanation quotes is known and withheld there too.
    init(_ incident: Incident) {
        self.init(
            kind: incident.subject.kind,
            namespace: incident.subject.namespace,
            name: incident.subject.name,
            cause: incident.cause,
            severity: incident.severity.description,
            summary: incident.summary,
            explanation: incident.explanation,
            evidence: incident.evidence.map { evidence in
                Line(
                    kind: evidence.kind.rawValue,
                    reason: Self.sayableReason(evidence),
                    object: evidence.object,
                    message: evidence.message,
                    fromCluster: evidence.kind != .anomaly,
                    count: evidence.count
                )
            },
            proposals: incident.proposals.map {
                Action(action: $0.action, target: $0.target, namespace: $0.namespace)
            }
        )
    }

    /// The reason a model may hear: an anomaly's rule and a finding's reason are Vigil's vocabulary; an
    /// event's is Kubernetes's only when one of its components writes it; an alert's name is its author's.
    /// Anything else is withheld (empty): free text from the cluster is never sent, even one word of it.
    static func sayableReason(_ evidence: Evidence) -> String {
        switch evidence.kind {
        case .anomaly: evidence.name
        case .finding: Finding.reasons.contains(evidence.name) ? evidence.name : ""
        case .event: KubernetesEventReasons.wellKnown.contains(evidence.name) ? evidence.name : ""
        case .alert: ""
        }
    }
}
