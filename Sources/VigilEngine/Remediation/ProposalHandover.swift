import VigilKube

/// How a replica that does not lead hands its proposals to the one that does, and how the leader reads
/// them: through the API server (``ProposalBoard``), never replica to replica.
public protocol ProposalHandover: Sendable {
    /// Offers `proposal` of `incident` to the leader, once for every replica that proposes it.
    func hand(_ proposal: Proposal, of incident: Incident, at now: Double) async -> ProposalBoard.Pinned
    /// Takes back proposals this replica handed over whose incidents it no longer sees.
    func withdraw(_ ids: Set<String>) async
    /// Every proposal handed over, and the keys of entries that are not proposals this version reads;
    /// nil when the board cannot be read.
    func handed() async -> (proposals: [HandedProposal], unreadable: [String: String])?
    /// Removes entries the leader will not act on (unreadable, or older than their time).
    func discard(_ ids: Set<String>) async
}

/// The handover on a ``ProposalBoard``, each entry signed with this replica's identity.
public struct BoardHandover: ProposalHandover {
    public let board: ProposalBoard
    /// This replica's name, the same as in the Lease's `holderIdentity`.
    public let identity: String

    public init(board: ProposalBoard, identity: String) {
        self.board = board
        self.identity = identity
    }

    public func hand(_ proposal: Proposal, of incident: Incident, at now: Double) async -> ProposalBoard.Pinned {
        guard let handed = HandedProposal(proposal, of: incident, proposer: identity, at: now) else {
            return .unavailable("proposal \(proposal.id) has no request of its own to hand over")
        }
        return await board.pin(handed.id, handed.json)
    }

    public func withdraw(_ ids: Set<String>) async { await board.unpin(ids) }

    public func handed() async -> (proposals: [HandedProposal], unreadable: [String: String])? {
        guard let entries = await board.entries() else { return nil }
        var proposals: [HandedProposal] = []
        var unreadable: [String: String] = [:]
        for (key, text) in entries.sorted(by: { $0.key < $1.key }) {
            switch HandedProposal.decode(text) {
            case .success(let handed) where handed.id == key: proposals.append(handed)
            case .success(let handed): unreadable[key] = "its key is not its proposal's id \(handed.id)"
            case .failure(let error): unreadable[key] = error.reason
            }
        }
        return (proposals, unreadable)
    }

    public func discard(_ ids: Set<String>) async { await board.unpin(ids) }
}
