import Foundation
import VigilKube

/// The only thing the MCP tools may have done with a proposal: show it with the server's dry run and
/// the fields that run says would change.
///
/// A port with one method, which returns a ``ProposalState`` — data. Nothing that approves, applies,
/// rejects or undoes is reachable through it, whatever the conformer holds; `vigil mcp` and the daemon's
/// `/mcp` are handed an `any ProposalPreview` and never a ``Remediator`` or a ``ProposalDesk``.
public protocol ProposalPreview: Sendable {
    /// `proposal` of `incident` with its dry run and where it stands.
    func preview(_ proposal: Proposal, of incident: Incident) async -> ProposalState
}

/// `vigil mcp`'s preview: each proposal sent to the cluster as a server-side dry run (`?dryRun=All`),
/// exactly as ``KubeClient/perform(_:dryRun:now:precondition:protectedNamespace:)`` sends it with
/// `dryRun: true` — reads (GET) and dry runs, nothing stored. Nothing is put on record: a preview is not a
/// step of remediation.
public struct ServerDryRun: ProposalPreview {
    let kube: KubeClient
    private let now: @Sendable () -> Date
    private let protectedNamespace: @Sendable (String) -> String?

    /// - Parameter kube: the cluster's client, kept narrowed to reads and dry runs (``KubeAccess/dryRun``)
    ///   whoever made it, so that nothing here, by mistake or by change, can store a change.
    /// - Parameter protectedNamespace: the namespaces whose pods a drain may not evict, as remediation's
    ///   dry run judges them (default: the default `remediation.namespaces`, kube-system denied).
    public init(
        kube: KubeClient,
        now: @escaping @Sendable () -> Date = { Date() },
        protectedNamespace: @escaping @Sendable (String) -> String? = RemediationPolicy().namespaceRefusal
    ) {
        self.kube = kube.narrowed(to: .dryRun)
        self.now = now
        self.protectedNamespace = protectedNamespace
    }

    /// The state is `dry-run` with reason `accepted` (the server's summary as message) or `refused` (its
    /// Status message); `proposed` when the proposal has no request of its own to send.
    public func preview(_ proposal: Proposal, of incident: Incident) async -> ProposalState {
        var proposal = proposal
        var state = ProposalState(proposed: proposal, of: incident)
        guard let action = proposal.kubeAction else { return state }
        let answer = await DryRunAnswer(action, kube: kube, now: now(), protectedNamespace: protectedNamespace)
        proposal.dryRun = answer.dryRun
        (state.reason, state.message) = (answer.dryRun.reason, answer.message)
        state.proposal = proposal
        state.state = AuditRecord.Step.dryRun.rawValue
        return state
    }
}

/// The daemon's preview: the dry run remediation made in its latest round, and where the proposal
/// stands in the audit log — read, never sent (the daemon's rounds already dry-run every proposal that
/// goes past `explain`).
public struct RecordedPreview: ProposalPreview {
    private let recorded: @Sendable (String) async -> ProposalState?

    /// - Parameter recorded: a proposal's state by id (``ProposalDesk/proposalState(id:)``); nil when
    ///   remediation does not run or does not know it.
    public init(recorded: @escaping @Sendable (String) async -> ProposalState?) {
        self.recorded = recorded
    }

    public func preview(_ proposal: Proposal, of incident: Incident) async -> ProposalState {
        await recorded(proposal.id) ?? ProposalState(proposed: proposal, of: incident)
    }
}

extension ProposalState {
    /// `proposal` as diagnosed, before any step: state `proposed`.
    public init(proposed proposal: Proposal, of incident: Incident) {
        self.init(
            proposal: proposal,
            incident: incident.id,
            subject: "\(incident.subject)",
            cause: incident.cause,
            state: AuditRecord.Step.proposed.rawValue
        )
    }
}
