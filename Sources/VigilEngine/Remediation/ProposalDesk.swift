/// What the API and `vigil proposals` see of remediation: the current proposals with where each stands,
/// and a person's approval or rejection.
public protocol ProposalDesk: Sendable {
    /// Every proposal of the latest diagnosis round, with its state.
    func proposalStates() async -> [ProposalState]
    func proposalState(id: String) async -> ProposalState?
    /// Applies proposal `id` for `user`, under every guard; kubectl's line for what was done, or why not.
    /// `seen`: the kubectl command the person approved as shown, refused (`changed`) if the proposal now
    /// differs; nil to approve it as it is.
    func approve(_ id: String, by user: String, seen: String?) async -> Result<String, Refusal>
    func reject(_ id: String, by user: String, reason: String?) async -> Result<String, Refusal>
}

/// A proposal and where it stands: its last step in the audit log (`proposed`, `dry-run`, `pending`,
/// `refused`, `applied`, `verified`…), with the reason and message of that step.
public struct ProposalState: Sendable, Encodable {
    public var proposal: Proposal
    public var incident: String
    public var subject: String
    public var cause: String
    public var state: String
    public var reason: String?
    public var message: String?
    /// When the last step was taken (RFC 3339).
    public var since: String?

    enum CodingKeys: String, CodingKey {
        case proposal, incident, subject, cause, state, reason, message, since
    }
}

extension Remediator: ProposalDesk {
    public func proposalStates() -> [ProposalState] {
        proposals.map { state($0.proposal, $0.incident) }
    }

    public func proposalState(id: String) -> ProposalState? {
        current[id].map { state($0.proposal, $0.incident) }
    }

    public func approve(_ id: String, by user: String, seen: String?) async -> Result<String, Refusal> {
        await approve(id, by: user, cluster: nil, seen: seen)
    }

    private func state(_ proposal: Proposal, _ incident: Incident) -> ProposalState {
        let last = ledger.latest[proposal.id]
        // A person's approval refused (`changed`, `autonomy`) leaves the proposal waiting for one: still
        // pending, with that refusal as its latest word.
        let step = last?.step == .refused && ledger.pending[proposal.id] != nil ? .pending : last?.step
        return ProposalState(
            proposal: proposal,
            incident: incident.id,
            subject: "\(incident.subject)",
            cause: incident.cause,
            state: step?.rawValue ?? "proposed",
            reason: last?.reason,
            message: last?.message,
            since: last?.time
        )
    }
}
