/// Where the Lease is and the timing of the election, with client-go's defaults: a lease lasts 15 s, a
/// leader that cannot renew within 10 s steps down, and every candidate tries every 2 s. The lease
/// outlasting the renew deadline is what keeps two leaders from overlapping: a leader gives up 5 s
/// before anyone else may take over.
public struct LeaderElectionConfiguration: Sendable, Equatable {
    public var namespace: String
    public var name: String
    /// This replica's name in `holderIdentity` (the pod name in a StatefulSet).
    public var identity: String
    /// How the names a `vigil diagnose --apply` session takes on the Lease begin
    /// (`vigil-diagnose@<host>/<pid>`): a person's session, which ends, never a replica's.
    public static let diagnoseSessionPrefix = "vigil-diagnose@"
    public var leaseDuration: Duration
    public var renewDeadline: Duration
    public var retryPeriod: Duration

    public init(
        namespace: String,
        name: String = "vigil-remediation",
        identity: String,
        leaseDuration: Duration = .seconds(15),
        renewDeadline: Duration = .seconds(10),
        retryPeriod: Duration = .seconds(2)
    ) {
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.leaseDuration = leaseDuration
        self.renewDeadline = renewDeadline
        self.retryPeriod = retryPeriod
    }

    /// Why these settings cannot elect safely (client-go's checks), or nil.
    public var problem: String? {
        if identity.isEmpty { return "the identity is empty" }
        if leaseDuration <= renewDeadline { return "lease_duration must be greater than renew_deadline" }
        if renewDeadline <= retryPeriod * 1.2 { return "renew_deadline must be greater than 1.2 × retry_period" }
        if retryPeriod <= .zero { return "retry_period must be positive" }
        let seconds = leaseDuration / .seconds(1)
        if seconds.rounded(.up) != seconds { return Self.fractionalLeaseDuration(seconds) }
        return nil
    }

    /// Why a lease duration with a fraction of a second is refused: the Lease holds whole seconds, and
    /// a shortened lease lets a candidate take over before the holder's renew deadline has passed.
    public static func fractionalLeaseDuration(_ seconds: Double) -> String {
        "lease_duration must be whole seconds (a Lease's leaseDurationSeconds is an integer): "
            + "\(seconds)s would be cut to \(Int(seconds))s; write \(Int(seconds.rounded(.up)))s"
    }

    /// The duration written to the Lease: whole seconds, rounded up, so that a lease is never shorter
    /// than configured (``problem`` refuses a fraction before it gets here).
    var leaseDurationSeconds: Int { Int((leaseDuration / .seconds(1)).rounded(.up)) }

    /// The ConfigMap in the Lease's namespace on which replicas hand their proposals to the leader
    /// (``ProposalBoard``).
    public var proposalBoardName: String { "\(name)-proposals" }

    /// The Lease's collection and object paths.
    var collectionPath: String { "/apis/coordination.k8s.io/v1/namespaces/\(namespace)/leases" }
    var objectPath: String { "\(collectionPath)/\(name)" }
}
