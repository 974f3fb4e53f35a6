import Foundation
import VigilKube
import VigilTestKit

@testable import VigilEngine

/// A replica for the handover tests: its elector, its board handle, its own audit log; a replica built
/// again with the same identity is that replica restarted (its audit log kept, its memory gone). `skew`:
/// how far its wall clock is off the fixture's (another machine's clock). `afterRead`: what another
/// replica does on the board between this replica's read of it and its next change (a race).
struct HandoverReplica {
    let elector: LeaderElector<ManualClock>
    let remediator: Remediator
    let auditPath: String

    init(
        _ identity: String,
        _ fixture: RemediationFixture,
        _ clock: ManualClock,
        skew: Double = 0,
        afterRead: (@Sendable () async -> Void)? = nil
    ) throws {
        let configuration = LeaderElectionConfiguration(namespace: "shop", identity: identity)
        elector = LeaderElector(configuration: configuration, client: fixture.kube, clock: clock)
        auditPath = fixture.directory.appendingPathComponent("\(identity).jsonl").path
        let board = BoardHandover(
            board: ProposalBoard(namespace: "shop", name: configuration.proposalBoardName, client: fixture.kube),
            identity: identity,
            staleAfter: BoardHandover.staleness(evaluationInterval: 30, leaseDuration: 15)
        )
        remediator = try fixture.remediator(
            RemediationFixture.applying,
            audit: AuditLog(path: auditPath, environment: [:]),
            leadership: elector,
            handover: afterRead.map { RacedHandover(board, afterRead: $0) } ?? board,
            skew: skew
        )
    }

    func records() throws -> [AuditRecord] { try AuditLog.read(path: auditPath).records }
}

/// The board as a replica sees it when another writes to it right after each of its reads.
private struct RacedHandover: ProposalHandover {
    let board: BoardHandover
    let afterRead: @Sendable () async -> Void

    init(_ board: BoardHandover, afterRead: @escaping @Sendable () async -> Void) {
        self.board = board
        self.afterRead = afterRead
    }

    var identity: String { board.identity }
    var staleAfter: Double { board.staleAfter }

    func hand(_ proposal: Proposal, of incident: Incident, at now: Double) async -> ProposalBoard.Pinned {
        await board.hand(proposal, of: incident, at: now)
    }
    func refresh(_ ids: Set<String>, at now: Double) async -> Set<String>? { await board.refresh(ids, at: now) }
    func withdraw(_ ids: Set<String>) async { await board.withdraw(ids) }
    func proposedHere() async -> Set<String>? { await board.proposedHere() }
    func handed() async -> (proposals: [HandedProposal], unreadable: [String: String])? {
        let read = await board.handed()
        await afterRead()
        return read
    }
    func discard(_ ids: Set<String>) async { await board.discard(ids) }
}
