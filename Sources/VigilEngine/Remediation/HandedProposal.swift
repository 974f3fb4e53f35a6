import Foundation
import VigilKube
import VigilRules
import VigilYAML

/// A proposal a replica that does not lead hands to the one that does, with what the leader needs to
/// apply and verify it as its own: the request, the playbook's name, and the incident's id, subject,
/// cause and severity. Its JSON is the value of the proposal's entry on the ``ProposalBoard``. It carries
/// no autonomy and no verification: the leader takes both from its own playbook (``vouched(by:)``).
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
    public var incident: HandedIncident
    /// When it was first pinned (seconds since the epoch, the pinning replica's clock).
    public var at: Double
    /// Every replica that proposes it, with when it last said it still sees the incident: the entry stays
    /// while one of them does (at most ``proposerLimit``, the stalest dropped past it).
    public var proposers: [Proposer]

    /// A replica proposing the entry, and when it last refreshed it (seconds since the epoch, its clock).
    public struct Proposer: Sendable, Equatable, Codable {
        public var identity: String
        public var seen: Double

        public init(identity: String, seen: Double) {
            self.identity = identity
            self.seen = seen
        }
    }

    /// The most proposers an entry lists: more than any StatefulSet of Vigil runs replicas, and small
    /// enough that the list (about 50 bytes a replica with a pod name) stays far inside the entry's bytes.
    public static let proposerLimit = 16

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
        self.at = at
        proposers = [Proposer(identity: proposer, seen: at)]
    }

    /// When a proposer last said it still sees the incident; what the leader judges staleness by.
    public var lastSeen: Double { proposers.map(\.seen).max() ?? at }

    /// The entry with `identity` among its proposers, seen `now` (added, or its time refreshed); past
    /// ``proposerLimit``, the stalest other proposer is dropped (a replica long gone, in practice).
    public func seen(by identity: String, at now: Double) -> HandedProposal {
        var entry = self
        entry.proposers.removeAll { $0.identity == identity }
        if entry.proposers.count >= Self.proposerLimit {
            entry.proposers.sort { $0.seen > $1.seen }
            entry.proposers.removeLast(entry.proposers.count - Self.proposerLimit + 1)
        }
        entry.proposers.append(Proposer(identity: identity, seen: now))
        entry.proposers.sort { $0.identity < $1.identity }
        return entry
    }

    /// The entry without `identity` among its proposers; nil when nobody proposes it any more.
    public func withdrawn(by identity: String) -> HandedProposal? {
        var entry = self
        entry.proposers.removeAll { $0.identity == identity }
        return entry.proposers.isEmpty ? nil : entry
    }

    /// Who proposes it, for messages.
    var proposerNames: String { proposers.map(\.identity).joined(separator: ", ") }

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
        guard Finding.Severity.allCases.contains(where: { $0.description == handed.incident.severity })
        else { return .failure(Unreadable(reason: "unknown severity")) }
        guard !handed.proposers.isEmpty, handed.proposers.count <= proposerLimit else {
            return .failure(Unreadable(reason: "it lists \(handed.proposers.count) proposers (1 to \(proposerLimit))"))
        }
        // The id is derived from the incident, the action and the target on every replica: an entry
        // whose id is not cannot pass for another proposal (and be refused or settled in its name).
        guard handed.id == Proposal.id(incident: handed.incident.id, action: handed.action, target: handed.target)
        else { return .failure(Unreadable(reason: "its id is not derived from its incident, action and target")) }
        return .success(handed)
    }

    public struct Unreadable: Error, Sendable, Equatable {
        public var reason: String
    }

    /// Why the leader does not act on an entry: anyone who can write the board's ConfigMap can write one.
    public struct Untrusted: Error, Sendable, Equatable {
        public var reason: String
    }

    /// The proposal and its incident as the leader's round takes them, made by the leader's own
    /// `playbooks`: the autonomy and the verification are those of the playbook the entry names (never
    /// the entry's), and the request must be the playbook's action on exactly the object the entry names,
    /// so that the guards, the cooldown and the audit log judge the object the request changes. Refused:
    /// an entry whose playbook or action this leader does not know, or whose request changes anything
    /// else. No evidence: the leader does not judge the cause again, it applies under its guards and
    /// verifies. With the playbook's action template, by which the leader judges the value again against
    /// the object as its dry run reads it (``currentValueRefusal(_:current:podMemoryLimit:template:)``).
    public func vouched(by playbooks: [Playbook]) -> Result<Vouched, Untrusted> {
        func no(_ reason: String) -> Result<Vouched, Untrusted> {
            .failure(Untrusted(reason: reason))
        }
        guard let playbook = playbooks.first(where: { $0.name == rule }) else {
            return no("playbook \(rule) is not one of this replica's")
        }
        guard playbook.cause == incident.cause else {
            return no("its incident's cause \(incident.cause) is not playbook \(rule)'s (\(playbook.cause))")
        }
        guard let template = playbook.then.first(where: { $0.action.rawValue == action }) else {
            return no("playbook \(rule) does not propose \(action)")
        }
        guard Self.request(kubeAction, isA: template.action) else {
            return no("its request is not a \(action)")
        }
        if let why = Self.valuesRefusal(kubeAction, template) { return no(why) }
        let object = kubeAction.object
        let namespace = object.resource.isNamespaced ? object.namespace : ""
        guard Self.isObjectName(object.name), namespace.isEmpty || Self.isObjectName(namespace),
            "\(object.resource.rawValue)/\(object.name)" == target, namespace == self.namespace
        else {
            return no(
                "its request changes \(object.resource.rawValue)/\(object.name) in '\(namespace)', "
                    + "not \(target) in '\(self.namespace)'"
            )
        }
        guard namespace.isEmpty || namespace == incident.namespace else {
            return no("its request is in \(namespace), its incident in \(incident.namespace)")
        }
        let (proposal, incident) = proposalAndIncident(autonomy: playbook.autonomy, verify: playbook.verify)
        return .success(Vouched(proposal: proposal, incident: incident, template: template))
    }

    /// An entry the leader takes: as its own playbook makes it, with that playbook's action template.
    public struct Vouched: Sendable {
        public var proposal: Proposal
        public var incident: Incident
        public var template: Playbook.ActionTemplate
    }

    /// The entry as it claims to be, with the least autonomy: what a refusal of it is recorded as.
    public var asClaimed: (proposal: Proposal, incident: Incident) {
        proposalAndIncident(autonomy: .explain, verify: Playbook.Verification())
    }

    /// Whether `request` is what a playbook's `action` sends.
    private static func request(_ request: KubeAction, isA action: Playbook.ActionTemplate.Action) -> Bool {
        switch (action, request) {
        case (.setResources, .setResources), (.undo, .undo), (.restart, .restart), (.cordon, .cordon),
            (.drain, .drain), (.scale, .scale), (.setHPAMax, .setHPAMax), (.expandPVC, .expandPVC),
            (.deletePod, .delete):
            true
        default:
            false
        }
    }

    /// Why `request`'s values are none the playbook's `template` makes (``ProposalBuilder``), or nil: a
    /// drain as playbooks drain, a rollback to the previous revision, a memory limit alone, a count of at
    /// least one, each within the template's cap. (The builder's value is the current one × the factor,
    /// which the leader judges once its dry run has read it: ``currentValueRefusal(_:current:podMemoryLimit:template:)``.)
    private static func valuesRefusal(_ request: KubeAction, _ template: Playbook.ActionTemplate) -> String? {
        // The cap as the builder writes a capped value (whole Mi, rounded up: `max: 1G` is 954Mi).
        let cap = template.maximum.flatMap { Quantity.value(Quantity.bytes($0)) } ?? .infinity
        switch request {
        case .drain(_, var options):
            // A replica of the release before the skip hands its drains over without one: they wait for
            // every pod, as drains did then, which asks for no more than a playbook's drain.
            if options.skipWaitForDeleteTimeout == 0 {
                options.skipWaitForDeleteTimeout = ProposalBuilder.drainOptions.skipWaitForDeleteTimeout
            }
            return options == ProposalBuilder.drainOptions
                ? nil : "its drain options are not those a playbook's drain uses"
        case .undo(_, let revision?):
            return "it rolls back to revision \(revision); a playbook's rollback names none"
        case .setResources(_, nil, _, _):
            // Without a container it would set every container's limit, judged by none of theirs.
            return "its request names no container"
        case .setResources(_, _, let limits, let requests):
            guard requests.isEmpty, limits.count == 1, let bytes = limits["memory"].flatMap(Quantity.value) else {
                return "its request sets other resources than a memory limit"
            }
            return bytes > 0 && bytes <= cap ? nil : "its memory limit \(limits["memory"] ?? "") is outside 0 to \(cap)"
        case .scale(_, let count), .setHPAMax(_, let count):
            let most = ProposalBuilder.countCap(template)
            return (1...most).contains(count) ? nil : "its count \(count) is outside 1 to \(most)"
        case .expandPVC(_, let size):
            guard let bytes = Quantity.value(size), bytes > 0, bytes <= cap else {
                return "its size \(size) is outside 0 to \(cap)"
            }
            return nil
        default:
            return nil
        }
    }

    /// A Kubernetes object or namespace name (DNS-1123: lower-case letters, digits, '-' and '.', starting
    /// and ending with a letter or digit): nothing that could make its API path name another object.
    private static func isObjectName(_ name: String) -> Bool {
        func alphanumeric(_ c: Character) -> Bool { c.isASCII && (c.isLowercase || c.isNumber) }
        guard let first = name.first, let last = name.last, name.count <= 253 else { return false }
        return alphanumeric(first) && alphanumeric(last)
            && name.allSatisfy { alphanumeric($0) || $0 == "-" || $0 == "." }
    }

    private func proposalAndIncident(
        autonomy: Playbook.Autonomy,
        verify: Playbook.Verification
    ) -> (proposal: Proposal, incident: Incident) {
        let proposal = Proposal(
            id: id,
            action: action,
            target: target,
            namespace: namespace,
            parameters: parameters,
            kubectl: kubeAction.kubectlCommand(dryRun: false),
            kubeAction: kubeAction,
            rule: rule,
            confidence: confidence,
            rationale: rationale,
            autonomy: autonomy,
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
            explanation: "handed over by \(proposerNames)"
        )
        return (proposal, incident)
    }
}
