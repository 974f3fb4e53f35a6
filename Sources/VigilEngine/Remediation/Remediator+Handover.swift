import Logging
import VigilKube
import VigilRules

/// Proposals from every replica reach the leader: a replica that does not hold the lease pins each
/// proposal it would apply on the board (``ProposalHandover``), and the leader takes the board's entries
/// into its own round, where they meet every guard its own proposals meet and the claim on the Lease.
/// Every proposer refreshes the entries whose incidents it still sees each round, and takes itself off
/// those it no longer sees; the entry goes with its last proposer, or when none refreshed it within the
/// handover's ``ProposalHandover/staleAfter`` — which is also how the leader learns that a fix it applied
/// for another replica resolved the incident.
extension Remediator {
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
            handoverTrouble[proposal.id] = nil
            logger.info(
                "handed over to the leader",
                metadata: ["proposal": "\(proposal.id)", "board": "\(outcome == .pinned ? "pinned" : "present")"]
            )
            return "; handed over to it"
        case .full, .tooLarge, .unavailable(_):
            // Retried every round: said again only when the kind of failure changes (an error's words may
            // differ every time).
            let kind =
                switch outcome {
                case .unavailable: "unavailable"
                default: "\(outcome)"
                }
            if handoverTrouble.updateValue(kind, forKey: proposal.id) != kind {
                logger.warning(
                    "cannot hand the proposal over to the leader; retried every round",
                    metadata: ["proposal": "\(proposal.id)", "why": "\(outcome)"]
                )
            }
            return "; could not be handed over to it (\(outcome))"
        }
    }

    /// Keeps this replica's word on the board true, after a round whose own proposals were `seen`: takes
    /// itself off the entries it no longer proposes (its incident is gone) and refreshes the rest. The
    /// first time after a start it reads the board for the entries an earlier run of it proposed, so that
    /// a restart does not leave an entry for an incident that ended meanwhile. An entry the leader removed
    /// is pinned again by the next round that still proposes it.
    func reconcileHandedOver(seen: Set<String>) async {
        guard let handover else { return }
        if !handoverReadSinceStart {
            guard let earlier = await handover.proposedHere() else { return }  // unreadable: next round
            handedOver.formUnion(earlier)
            handoverReadSinceStart = true
        }
        // Leading, it takes itself off what it pinned when it next reads the board
        // (``proposalsHandedToThisLeader(playbooks:)``).
        let gone = handedOver.subtracting(seen)
        if !gone.isEmpty {
            await handover.withdraw(gone)
            handedOver.subtract(gone)
        }
        guard !handedOver.isEmpty, let removed = await handover.refresh(handedOver, at: wallTime()) else { return }
        handedOver.subtract(removed)
    }

    /// On the leader, the board's proposals and their incidents as its own `playbooks` make them
    /// (unreadable entries removed; entries no proposer refreshed within ``ProposalHandover/staleAfter``,
    /// as this replica watched them on its monotonic clock (``BoardSighting``), taken as withdrawn —
    /// neither applied nor counted as an incident still there — and removed; one whose proposers' latest
    /// stamp is further than that from this replica's wall clock, before or after, left until a
    /// proposer's refresh shows it lives; untrusted ones refused on record as `untrusted-handover` and
    /// removed); on any other replica, or without a board, none. Nil when the board cannot be read.
    func proposalsHandedToThisLeader(
        playbooks: [Playbook]
    ) async -> [HandedProposal.Vouched]? {
        boardRead = false
        boardWaiting = []
        guard let handover, let leadership, await leadership.isLeader else {
            // What it saw while it led is no yardstick when it leads again: a stamp moved meanwhile is no
            // refresh it saw (its proposer may have died since).
            boardSightings = [:]
            return []
        }
        guard let board = await handover.handed() else {
            logger.warning("cannot read the proposals other replicas handed over; retried next round")
            return nil
        }
        boardRead = true
        let (now, watched) = (wallTime(), monotonicTime())
        // What it pinned in rounds before it led (a daemon's first rounds, before it took the lease) it
        // proposes itself now: it takes itself off those entries (withdrawn, not discarded: a proposer that
        // joined since keeps the entry). Those only it proposed are no other replica's proposals — taken as
        // such, they would keep its own incident standing on the board a round after it ended.
        let pinnedHere = board.proposals.filter { $0.proposers.contains { $0.identity == handover.identity } }
        if !pinnedHere.isEmpty {
            await handover.withdraw(Set(pinnedHere.map(\.id)))
            handedOver.subtract(pinnedHere.map(\.id))
        }
        let others = board.proposals.filter { $0.proposers.contains { $0.identity != handover.identity } }
        boardSightings = Dictionary(
            others.map { entry in
                (
                    entry.id,
                    boardSightings[entry.id]?.reading(entry, at: watched)
                        ?? BoardSighting(entry, by: handover.identity, at: watched)
                )
            },
            uniquingKeysWith: { $1 }
        )
        let stale = Set(
            others.filter { boardSightings[$0.id]?.isStale(at: watched, after: handover.staleAfter) == true }.map(\.id)
        )
        let unconfirmed = others.filter {
            !stale.contains($0.id) && boardSightings[$0.id]?.isConfirmed(at: now, after: handover.staleAfter) == false
        }
        for (key, why) in board.unreadable {
            logger.warning("handed-over entry removed: unreadable", metadata: ["key": "\(key)", "why": "\(why)"])
        }
        for entry in others where stale.contains(entry.id) {
            logger.info(
                "handed-over entry withdrawn: no proposer refreshed it",
                metadata: ["proposal": "\(entry.id)", "proposers": "\(entry.proposerNames)"]
            )
        }
        for entry in unconfirmed {
            logger.info(
                "handed-over entry waits for a proposer's refresh: its stamp is further than the staleness from this replica's clock",
                metadata: ["proposal": "\(entry.id)", "proposers": "\(entry.proposerNames)"]
            )
        }
        // A fix applied for a waiting entry cannot be judged this round: its incident may still be there.
        boardWaiting = Set(unconfirmed.map(\.id))
        var discarded = Set(board.unreadable.keys).union(stale)
        var vouched: [HandedProposal.Vouched] = []
        for handed in others where !discarded.contains(handed.id) && !boardWaiting.contains(handed.id) {
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
                        message: "the entry \(handed.proposerNames) handed over is not applied: \(untrusted.reason)"
                    )
                )
                discarded.insert(handed.id)
            }
        }
        // Their sightings stay: an entry whose removal failed is not seen anew next round.
        if !discarded.isEmpty { await handover.discard(discarded) }
        return vouched
    }
}
