import Logging
import VigilKube
import VigilRules

/// Proposals from every replica reach the leader: a replica that does not hold the lease pins each
/// proposal it would apply on the board (``ProposalHandover``), and the leader takes the board's entries
/// into its own round, where they meet every guard its own proposals meet and the claim on the Lease.
/// The proposer takes its entry back once it no longer sees the incident, which is also how the leader
/// learns that a fix it applied for another replica resolved it.
extension Remediator {
    /// How old an entry may grow before the leader removes it: its proposer died without taking it
    /// back. Longer than any verification window a playbook sets in practice (the default is 600 s).
    static let handedProposalLifetime: Double = 3_600

    /// Pins `proposal` for the leader, once; the words the refusal adds about it.
    func handOver(_ proposal: Proposal, _ incident: Incident) async -> String {
        guard let handover else { return "" }
        // Applied already (the Lease lists it): nothing to hand over.
        if await leadership?.wasApplied(proposal.id) == true { return "" }
        guard !handedOver.contains(proposal.id) else { return "; handed over to it" }
        let outcome = await handover.hand(proposal, of: incident, at: wallTime())
        switch outcome {
        case .pinned, .present:
            handedOver.insert(proposal.id)
            logger.info(
                "handed over to the leader",
                metadata: ["proposal": "\(proposal.id)", "board": "\(outcome == .pinned ? "pinned" : "present")"]
            )
            return "; handed over to it"
        case .full, .tooLarge, .unavailable(_):
            logger.warning(
                "cannot hand the proposal over to the leader; retried next round",
                metadata: ["proposal": "\(proposal.id)", "why": "\(outcome)"]
            )
            return "; could not be handed over to it (\(outcome))"
        }
    }

    /// Takes back what this replica handed over and no longer proposes (its incident is gone).
    func withdrawHandedOver() async {
        guard let handover else { return }
        let gone = handedOver.filter { current[$0] == nil }
        guard !gone.isEmpty else { return }
        await handover.withdraw(gone)
        handedOver.subtract(gone)
    }

    /// On the leader, the board's proposals and their incidents as its own `playbooks` make them
    /// (unreadable and expired entries removed; untrusted ones refused on record as `untrusted-handover`
    /// and removed); on any other replica, or without a board, none. Nil when the board cannot be read.
    func proposalsHandedToThisLeader(
        playbooks: [Playbook]
    ) async -> [(proposal: Proposal, incident: Incident)]? {
        guard let handover, let leadership, await leadership.isLeader else { return [] }
        guard let board = await handover.handed() else {
            logger.warning("cannot read the proposals other replicas handed over; retried next round")
            return nil
        }
        let now = wallTime()
        let expired = board.proposals.filter { now - $0.at > Self.handedProposalLifetime }
        for (key, why) in board.unreadable {
            logger.warning("handed-over entry removed: unreadable", metadata: ["key": "\(key)", "why": "\(why)"])
        }
        var discarded = Set(board.unreadable.keys).union(expired.map(\.id))
        var vouched: [(proposal: Proposal, incident: Incident)] = []
        for handed in board.proposals where !discarded.contains(handed.id) {
            switch handed.vouched(by: playbooks) {
            case .success(let taken):
                vouched.append(taken)
            case .failure(let untrusted):
                let (proposal, incident) = handed.asClaimed
                _ = refuse(
                    proposal,
                    incident,
                    Refusal(
                        reason: "untrusted-handover",
                        message: "the entry \(handed.proposer) handed over is not applied: \(untrusted.reason)"
                    )
                )
                discarded.insert(handed.id)
            }
        }
        if !discarded.isEmpty { await handover.discard(discarded) }
        return vouched
    }
}
