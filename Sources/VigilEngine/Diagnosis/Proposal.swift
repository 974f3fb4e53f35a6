import VigilKube
import VigilRules

/// A fix for an incident: the action and its target, its parameters, the exact kubectl command that does
/// the same, the playbook that asked for it, and how sure the diagnosis is. Diagnosis only proposes;
/// applying is the remediation engine's, under its guards.
public struct Proposal: Sendable, Equatable {
    /// Stable: the incident's id, the action and its target (`approve ID` names it).
    public var id: String
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
    /// How far the playbook lets Vigil go with it (the remediation policy may allow less, never more).
    public var autonomy: Playbook.Autonomy
    /// How an applied fix is judged, from the playbook.
    public var verify: Playbook.Verification
    /// The server-side dry run's outcome and diff, once a connected cluster has answered it.
    public var dryRun: DryRun?
}

extension Proposal {
    /// The same fix of the same incident has the same id in every run and on every replica.
    static func id(incident: String, action: String, target: String) -> String {
        stableID("\(incident)|\(action)|\(target)")
    }
}
