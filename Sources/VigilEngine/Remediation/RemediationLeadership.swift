import VigilKube

/// Who may apply when several replicas run: only the holder of the remediation lease. Every replica
/// proposes and dry-runs; one applies, and what it applied is recorded on the lease so that no replica
/// applies the same proposal (the same incident's action on the same object) again.
public protocol RemediationLeadership: Sendable {
    /// Whether this replica believes it holds the lease (local, cheap).
    var isLeader: Bool { get async }
    /// Whether another daemon leads, as last read (local, cheap): the lease names another replica, not a
    /// `vigil diagnose --apply` session, renewed within its duration as this replica watched. False while
    /// nobody holds it, this replica's own name is still on it, or its holder went silent (a predecessor
    /// that died): this replica may lead again soon.
    var anotherDaemonLeads: Bool { get async }
    /// Whether a leader applied `proposal`, as last read (local, cheap).
    func wasApplied(_ proposal: String) async -> Bool
    /// The changes any leader claimed on the lease recently, as last read (local, cheap): what the
    /// cluster-wide guards count.
    var recentClaims: [LeaseClaim] { get async }
    /// Just before a change: whether the lease still names this replica and, if nobody claimed
    /// `claim.proposal` yet, claims it on the lease (written ahead of the change).
    func claim(_ claim: LeaseClaim) async -> LeaseCheck
    /// Takes a claim back when the change was not made and is to be decided afresh.
    func unclaim(_ proposal: String) async
    /// Whether the lease still names this replica, asked of the API server.
    func confirm() async -> Bool
}

extension LeaderElector: RemediationLeadership {}
