import Logging
import ServiceLifecycle
import VigilEngine
import VigilHTTP
import VigilKube

/// The leader election as a service: campaigns and renews until graceful shutdown, then releases the
/// lease so a successor takes over at once; every change of leadership is logged.
struct LeaderElectionService: Service {
    let elector: LeaderElector<ContinuousClock>
    let logger: Logger

    func run() async throws {
        let configuration = elector.configuration
        let changes = Task {
            for await leading in elector.leadershipChanges {
                logger.notice(
                    leading ? "became the leader: this replica applies fixes" : "stopped leading: proposals only",
                    metadata: [
                        "lease": "\(configuration.namespace)/\(configuration.name)",
                        "identity": "\(configuration.identity)",
                    ]
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
