import VigilKube

/// How a replica that does not lead hands its proposals to the one that does, and how the leader reads
/// them: through the API server (``ProposalBoard``), never replica to replica. An entry lists every
/// replica proposing it with when each last said it still sees the incident, so that the entry outlives
/// any one proposer's withdrawal and the leader can tell an entry nobody refreshes any more.
public protocol ProposalHandover: Sendable {
    /// This replica's identity among an entry's proposers.
    var identity: String { get }
    /// How long after its freshest proposer last refreshed it the leader takes an entry as withdrawn (a
    /// proposer that died, or restarted and no longer sees the incident), in seconds.
    var staleAfter: Double { get }
    /// Offers `proposal` of `incident` to the leader, or adds this replica to its proposers.
    func hand(_ proposal: Proposal, of incident: Incident, at now: Double) async -> ProposalBoard.Pinned
    /// Says this replica still sees the incidents of these entries, `now`; the ids of those no longer on
    /// the board (the leader removed them), nil when the board cannot be reached.
    func refresh(_ ids: Set<String>, at now: Double) async -> Set<String>?
    /// Takes this replica off the proposers of these entries (an entry goes with its last proposer).
    func withdraw(_ ids: Set<String>) async
    /// The entries listing this replica among their proposers (what an earlier run of it handed over); nil
    /// when the board cannot be read.
    func proposedHere() async -> Set<String>?
    /// Every proposal handed over, and the keys of entries that are not proposals this version reads;
    /// nil when the board cannot be read.
    func handed() async -> (proposals: [HandedProposal], unreadable: [String: String])?
    /// Removes entries the leader will not act on (unreadable, untrusted, or withdrawn by staleness).
    func discard(_ ids: Set<String>) async
}

/// The handover on a ``ProposalBoard``, each entry signed with this replica's identity.
public struct BoardHandover: ProposalHandover {
    public let board: ProposalBoard
    /// This replica's name, the same as in the Lease's `holderIdentity`.
    public let identity: String
    public let staleAfter: Double

    /// - Parameter staleAfter: see ``ProposalHandover/staleAfter``; ``staleness(evaluationInterval:leaseDuration:)``
    ///   gives the daemon's.
    public init(board: ProposalBoard, identity: String, staleAfter: Double = 90) {
        self.board = board
        self.identity = identity
        self.staleAfter = staleAfter
    }

    /// Three evaluation rounds, and never less than a lease duration: a follower refreshes its entries
    /// every round, so an entry missing three refreshes in a row has lost its proposers, while a round
    /// late on a starved machine, or a follower's restart within a lease duration, does not withdraw it.
    public static func staleness(evaluationInterval: Double, leaseDuration: Double) -> Double {
        max(3 * evaluationInterval, leaseDuration)
    }

    public func hand(_ proposal: Proposal, of incident: Incident, at now: Double) async -> ProposalBoard.Pinned {
        guard let handed = HandedProposal(proposal, of: incident, proposer: identity, at: now) else {
            return .unavailable("proposal \(proposal.id) has no request of its own to hand over")
        }
        let pinned = await board.pin(handed.id, handed.json)
        guard pinned == .present else { return pinned }
        // Another replica pinned it first: this one proposes it too.
        return await refresh([handed.id], at: now) == nil ? .unavailable("the board could not be updated") : .present
    }

    public func refresh(_ ids: Set<String>, at now: Double) async -> Set<String>? {
        let identity = identity
        let present = await board.revise(ids) { key, text in
            guard case .success(let entry) = HandedProposal.decode(text), entry.id == key else { return text }
            return entry.seen(by: identity, at: now).json
        }
        return present.map { ids.subtracting($0) }
    }

    public func withdraw(_ ids: Set<String>) async {
        let identity = identity
        _ = await board.revise(ids) { key, text in
            guard case .success(let entry) = HandedProposal.decode(text), entry.id == key else { return text }
            return entry.withdrawn(by: identity)?.json
        }
    }

    public func proposedHere() async -> Set<String>? {
        guard let board = await handed() else { return nil }
        return Set(board.proposals.filter { $0.proposers.contains { $0.identity == identity } }.map(\.id))
    }

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
