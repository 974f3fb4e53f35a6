import CoreMetrics
import Logging
import ServiceLifecycle
import VigilEngine
import VigilHTTP
import VigilKube

/// The leader election as a service: campaigns and renews until graceful shutdown, then releases the
/// lease so a successor takes over at once; every change of leadership is logged, and so is every change
/// in whether the Lease can be reached at all (a replica without the rights to it would otherwise never
/// lead, in silence). `vigil_remediation_leader` is 1 while this replica leads, so that a fleet in which
/// none does (deploy/alerts.yaml's VigilNoRemediationLeader) is noticed. A follower that lacks a right only
/// a leader uses would learn it only when the leader is gone; so the rights are asked for at start and
/// every few minutes (``RightsCheck``), and those missing are logged and counted in
/// `vigil_remediation_lease_rights_missing` (VigilRemediationLeaseRightsMissing).
struct LeaderElectionService: Service {
    let elector: LeaderElector<ContinuousClock>
    let logger: Logger

    func run() async throws {
        let configuration = elector.configuration
        let leaseName = "\(configuration.namespace)/\(configuration.name)"
        let lease: Logger.Metadata = ["lease": "\(leaseName)", "identity": "\(configuration.identity)"]
        let troubles = Task {
            for await trouble in elector.troubleChanges {
                if let trouble {
                    logger.error(
                        "cannot reach the remediation Lease: this replica applies nothing until it can",
                        metadata: lease.merging(
                            [
                                "error": "\(trouble)",
                                "fix":
                                    "where the server answers Forbidden: grant get and update on the Lease and its proposal ConfigMap, and create on leases and configmaps, in its namespace (deploy/rbac-remediation.yaml)",
                            ],
                            uniquingKeysWith: { $1 }
                        )
                    )
                } else {
                    logger.notice("the remediation Lease is in reach again", metadata: lease)
                }
            }
        }
        defer { troubles.cancel() }
        let rights = Task { [elector] in
            await RightsCheck(
                subject: "the remediation Lease",
                consequence: "it could not take over from the leader, or hand proposals to it",
                grant:
                    "grant them in namespace \(configuration.namespace) (deploy/rbac-remediation.yaml's Role vigil-leader-election)",
                label: "vigil_remediation_lease_rights_missing",
                dimensions: [("lease", leaseName)],
                metadata: lease,
                logger: logger,
                missing: { () async throws(KubeError) in try await elector.missingRights() }
            )
            .watch()
        }
        defer { rights.cancel() }
        let leader = Gauge(label: "vigil_remediation_leader", dimensions: [("lease", leaseName)])
        leader.record(0)
        let changes = Task {
            for await leading in elector.leadershipChanges {
                leader.record(leading ? 1 : 0)
                logger.notice(
                    leading ? "became the leader: this replica applies fixes" : "stopped leading: proposals only",
                    metadata: lease
                )
            }
        }
        defer { changes.cancel() }
        await cancelWhenGracefulShutdown { await elector.run() }
    }
}

extension LeaderElectionService {
    /// How this replica hands its proposals to the leader: the board next to the Lease, an entry withdrawn
    /// when no proposer refreshed it for three evaluation rounds (at least a lease duration).
    static func handover(
        for configuration: LeaderElectionConfiguration,
        connection: KubeConnection,
        evaluationInterval: Double
    ) -> BoardHandover {
        BoardHandover(
            board: ProposalBoard(
                namespace: configuration.namespace,
                name: configuration.proposalBoardName,
                client: KubeClient(connection: connection, transport: CurlHTTPClient(), access: .write)
            ),
            identity: configuration.identity,
            staleAfter: BoardHandover.staleness(
                evaluationInterval: evaluationInterval,
                leaseDuration: configuration.leaseDuration / .seconds(1)
            )
        )
    }
}
