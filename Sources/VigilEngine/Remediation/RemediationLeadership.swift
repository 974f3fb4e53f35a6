import VigilKube

/// Who may apply when several replicas run: only the holder of the remediation lease. Every replica
/// proposes and dry-runs; one applies.
public protocol RemediationLeadership: Sendable {
    /// Whether this replica believes it holds the lease (local, cheap).
    var isLeader: Bool { get async }
    /// Asks the API server whether the lease still names this replica: the check made just before a change.
    func confirm() async -> Bool
}

extension LeaderElector: RemediationLeadership {}
