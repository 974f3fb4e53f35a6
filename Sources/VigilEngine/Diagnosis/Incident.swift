/// One problem of one workload (or node, or volume claim), however often it is seen: the evidence that
/// shows it, the cause ranked first on that evidence (or "unknown"), and the fixes proposed for it.
public struct Incident: Sendable, Equatable {
    /// Stable: the same subject, cause and hour of onset give the same id in every run.
    public var id: String
    public var subject: Subject
    /// Seconds since the epoch: the earliest evidence.
    public var startedAt: Double
    /// The cause class (`memory-limit`, `bad-rollout`…), or `unknown` when the evidence names none.
    public var cause: String
    /// One line, for a person.
    public var summary: String
    /// The playbook that named the cause, if one did.
    public var playbook: String?
    /// 0…1: how much of the evidence a playbook asks for was there.
    public var confidence: Double
    public var severity: Finding.Severity
    public var evidence: [Evidence]
    public var proposals: [Proposal]
    /// Deterministic prose from the evidence (see ``Narrator``).
    public var explanation: String
}

/// One piece of evidence in an incident.
public struct Evidence: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case finding, anomaly, event, alert
    }

    public var kind: Kind
    /// The finding's reason, the signal's rule, the event's reason, the alert's name.
    public var name: String
    /// The object it is about (`pod/web-7d9f-x2`).
    public var object: String
    public var message: String
    /// Seconds since the epoch, when known.
    public var at: Double?
    public var severity: Finding.Severity
    /// For events: how many times it was seen.
    public var count: Int
    /// For an anomaly that is over: its last deviating sample (seconds since the epoch). Nil for one that
    /// goes on, and for findings, which say how the cluster is now.
    public var ended: Double?

    public init(
        kind: Kind,
        name: String,
        object: String,
        message: String,
        at: Double?,
        severity: Finding.Severity,
        count: Int = 1,
        ended: Double? = nil
    ) {
        self.kind = kind
        self.name = name
        self.object = object
        self.message = message
        self.at = at
        self.severity = severity
        self.count = count
        self.ended = ended
    }
}
