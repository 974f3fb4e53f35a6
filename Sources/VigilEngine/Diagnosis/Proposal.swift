import VigilKube

/// A fix for an incident: the action and its target, its parameters, the exact kubectl command that does
/// the same, the playbook that asked for it, and how sure the diagnosis is. Diagnosis only proposes;
/// applying is the remediation engine's, under its guards.
public struct Proposal: Sendable, Equatable {
    /// `set-resources`, `undo`, `restart`, `cordon`, `drain`, `set-hpa-max`, `expand-pvc`…
    public var action: String
    /// `deployment/web`, `node/node-3`.
    public var target: String
    public var namespace: String
    /// The parameters chosen (`memory_limit` → `768Mi`), as text.
    public var parameters: [String: String]
    /// The runnable kubectl command line.
    public var kubectl: String
    /// The request the executor would send (nil for an action kubectl computes from several reads, like
    /// drain, whose requests ``KubeClient`` builds at apply time).
    public var kubeAction: KubeAction?
    public var rule: String
    public var confidence: Double
    /// Why this value (`512Mi × 1.5`), for the report.
    public var rationale: String
}
