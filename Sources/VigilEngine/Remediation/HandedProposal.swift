import Foundation
import VigilKube
import VigilRules

/// A proposal a replica that does not lead hands to the one that does, with what the leader needs to
/// apply and verify it as its own: the request, the playbook's verification, and the incident's id,
/// subject, cause and severity. Its JSON is the value of the proposal's entry on the ``ProposalBoard``.
public struct HandedProposal: Sendable, Equatable, Codable {
    public var id: String
    public var action: String
    public var target: String
    public var namespace: String
    public var parameters: [String: String]
    public var kubectl: String
    public var kubeAction: KubeAction
    public var rule: String
    public var confidence: Double
    public var rationale: String
    /// The playbook's autonomy (the leader's own policy may allow less).
    public var autonomy: String
    public var verifyWithin: Double
    public var undoWhen: String
    public var incident: HandedIncident
    /// The replica that pinned it, and when (seconds since the epoch, its clock).
    public var proposer: String
    public var at: Double

    /// The part of an incident remediation records and verifies against.
    public struct HandedIncident: Sendable, Equatable, Codable {
        public var id: String
        public var kind: String
        public var namespace: String
        public var name: String
        public var startedAt: Double
        public var cause: String
        public var summary: String
        public var severity: String
    }

    /// Nil for a proposal with no request of its own (a drain is computed at apply time from reads, and
    /// travels as its action all the same, so in practice every applying proposal has one).
    public init?(_ proposal: Proposal, of incident: Incident, proposer: String, at: Double) {
        guard let kubeAction = proposal.kubeAction else { return nil }
        id = proposal.id
        action = proposal.action
        target = proposal.target
        namespace = proposal.namespace
        parameters = proposal.parameters
        kubectl = proposal.kubectl
        self.kubeAction = kubeAction
        rule = proposal.rule
        confidence = proposal.confidence
        rationale = proposal.rationale
        autonomy = proposal.autonomy.rawValue
        verifyWithin = proposal.verify.within
        undoWhen = proposal.verify.undo.rawValue
        self.incident = HandedIncident(
            id: incident.id,
            kind: incident.subject.kind,
            namespace: incident.subject.namespace,
            name: incident.subject.name,
            startedAt: incident.startedAt,
            cause: incident.cause,
            summary: incident.summary,
            severity: incident.severity.description
        )
        self.proposer = proposer
        self.at = at
    }

    /// The entry's text on the board.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// An entry read back; why not, when it is not one this version can act on.
    public static func decode(_ text: String) -> Result<HandedProposal, Unreadable> {
        let handed: HandedProposal
        do {
            handed = try JSONDecoder().decode(HandedProposal.self, from: Data(text.utf8))
        } catch {
            return .failure(Unreadable(reason: "not a handed proposal: \(error)"))
        }
        guard Playbook.Autonomy(rawValue: handed.autonomy) != nil,
            Playbook.Verification.Undo(rawValue: handed.undoWhen) != nil,
            Finding.Severity.allCases.contains(where: { $0.description == handed.incident.severity })
        else { return .failure(Unreadable(reason: "unknown autonomy, undo or severity")) }
        // The id is derived from the incident, the action and the target on every replica: an entry
        // whose id is not cannot pass for another proposal (and be refused or settled in its name).
        guard handed.id == Proposal.id(incident: handed.incident.id, action: handed.action, target: handed.target)
        else { return .failure(Unreadable(reason: "its id is not derived from its incident, action and target")) }
        return .success(handed)
    }

    public struct Unreadable: Error, Sendable, Equatable {
        public var reason: String
    }

    /// The proposal and its incident as the leader's round takes them (no evidence: the leader does not
    /// judge the cause again, it applies under its guards and verifies).
    public var proposalAndIncident: (proposal: Proposal, incident: Incident) {
        let verify = Playbook.Verification(
            within: verifyWithin,
            undo: Playbook.Verification.Undo(rawValue: undoWhen) ?? .never
        )
        let proposal = Proposal(
            id: id,
            action: action,
            target: target,
            namespace: namespace,
            parameters: parameters,
            kubectl: kubectl,
            kubeAction: kubeAction,
            rule: rule,
            confidence: confidence,
            rationale: rationale,
            autonomy: Playbook.Autonomy(rawValue: autonomy) ?? .propose,
            verify: verify,
            dryRun: nil
        )
        let incident = Incident(
            id: self.incident.id,
            subject: Subject(kind: self.incident.kind, namespace: self.incident.namespace, name: self.incident.name),
            startedAt: self.incident.startedAt,
            cause: self.incident.cause,
            summary: self.incident.summary,
            playbook: rule,
            confidence: confidence,
            severity: Finding.Severity.allCases.first { $0.description == self.incident.severity } ?? .info,
            evidence: [],
            proposals: [proposal],
            explanation: "handed over by \(proposer)"
        )
        return (proposal, incident)
    }
}
