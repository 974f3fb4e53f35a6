import VigilKube

/// Who may apply when several replicas run: only the holder of the remediation lease. Every replica
/// proposes and dry-runs; one applies, and what it applied is recorded on the lease so that no replica
/// applies the same proposal (the same incident's action on the same object) again.
public protocol RemediationLeadership: Sendable {
    /// Whether this replica believes it holds the lease (local, cheap).
    var isLeader: Bool { get async }
    /// Whether a leader applied `proposal`, as last read (local, cheap).
    func wasApplied(_ proposal: String) async -> Bool
    /// Asks the API server, just before a change, whether the lease still names this replica and whether
    /// `proposal` was applied already.
    func check(proposal: String?) async -> LeaseCheck
    /// Puts `proposal` on record as applied; false when that failed (the lease lost meanwhile).
    func recordApplied(_ proposal: String) async -> Bool
}

extension LeaderElector: RemediationLeadership {}
