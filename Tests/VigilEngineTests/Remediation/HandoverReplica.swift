import Foundation
import VigilKube
import VigilTestKit

@testable import VigilEngine

/// A replica for the handover tests: its elector, its board handle, its own audit log; a replica built
/// again with the same identity is that replica restarted (its audit log kept, its memory gone). `skew`:
/// how far its wall clock is off the fixture's (another machine's clock).
struct HandoverReplica {
    let elector: LeaderElector<ManualClock>
    let remediator: Remediator
    let auditPath: String

    init(_ identity: String, _ fixture: RemediationFixture, _ clock: ManualClock, skew: Double = 0) throws {
        let configuration = LeaderElectionConfiguration(namespace: "shop", identity: identity)
        elector = LeaderElector(configuration: configuration, client: fixture.kube, clock: clock)
        auditPath = fixture.directory.appendingPathComponent("\(identity).jsonl").path
        remediator = try fixture.remediator(
            RemediationFixture.applying,
            audit: AuditLog(path: auditPath, environment: [:]),
            leadership: elector,
            handover: BoardHandover(
                board: ProposalBoard(namespace: "shop", name: configuration.proposalBoardName, client: fixture.kube),
                identity: identity,
                staleAfter: BoardHandover.staleness(evaluationInterval: 30, leaseDuration: 15)
            ),
            skew: skew
        )
    }

    func records() throws -> [AuditRecord] { try AuditLog.read(path: auditPath).records }
}
