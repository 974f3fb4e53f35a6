/// One line of the audit log: a step of a proposal's life — proposed, dry run, approval or rejection,
/// refusal, apply (before and after the request), verification, undo — with who decided it, the request
/// sent and the answer. Field names are the log's JSON (`docs/REMEDIATION.md`).
public struct AuditRecord: Codable, Sendable, Equatable {
    public enum Step: String, Codable, Sendable, CaseIterable {
        /// Diagnosis proposed the fix (once per proposal id).
        case proposed
        /// The server-side dry run's answer (`outcome`: accepted or refused; `changes`).
        case dryRun = "dry-run"
        /// Waiting for a person (`approve` autonomy).
        case pending
        case approved, rejected
        /// A guard said no (`reason`); nothing was sent. After `applying`: the lease could not be confirmed
        /// just before the change (`lease-lost`); after `undoing`: the undo's claim was refused
        /// (`not-leader`, `already-undone`).
        case refused
        /// Written before the change is sent: the request and the resourceVersion it is conditioned on.
        case applying
        /// A drain's evictions, after its cordon and before the first of them is sent: the pods, one
        /// `evicting pod namespace/name` line each, as kubectl prints them (`message`).
        case evicting
        /// The server stored the change (`response`); verification starts.
        case applied
        /// The server refused the change, or it could not be sent (`response`, `message`).
        case failed
        /// The object changed since it was read (409, or a JSON patch's failed test): nothing was changed;
        /// the next diagnosis decides afresh.
        case conflict
        /// After a restart: an `applying` with no answer, settled by reading the object (`outcome`:
        /// `applied` or `not-applied`).
        case reconciled
        /// The playbook's check, at the end of its window or as soon as the trouble went (`outcome`:
        /// `resolved`, `not-resolved`, `made-worse`).
        case verified
        /// Written before the undo is sent, then its answer.
        case undoing, undone
        /// The fix did not help and the incident needs a person.
        case escalated
    }

    /// A request as sent (`method`, `path`, `query`, `body`) or an answer (`status`, `body`).
    public struct Exchange: Codable, Sendable, Equatable {
        public var method: String?
        public var path: String?
        public var query: String?
        public var status: Int?
        public var body: String?

        public init(
            method: String? = nil,
            path: String? = nil,
            query: String? = nil,
            status: Int? = nil,
            body: String? = nil
        ) {
            self.method = method
            self.path = path
            self.query = query
            self.status = status
            self.body = body
        }
    }

    /// One field a dry run says would change.
    public struct Change: Codable, Sendable, Equatable {
        public var path: String
        public var before: String?
        public var after: String?

        public init(path: String, before: String?, after: String?) {
            self.path = path
            self.before = before
            self.after = after
        }
    }

    /// RFC 3339 UTC with milliseconds.
    public var time: String
    public var step: Step
    public var proposal: String
    public var incident: String
    /// The incident's subject (`deployment/web`) and cause: what verification watches.
    public var subject: String
    public var cause: String
    public var action: String
    /// `deployment/web`, `node/node-3`.
    public var target: String
    public var namespace: String
    /// Who decided: `vigil` (diagnosis and policy), `user:NAME` (an approval, the CLI's `--apply`).
    public var actor: String
    /// Machine-readable: a refusal's reason (`cooldown`, `blast-radius`…), an outcome (`resolved`…).
    public var reason: String?
    /// For a person.
    public var message: String?
    public var request: Exchange?
    public var response: Exchange?
    /// The resourceVersion of the object as read, which the change is conditioned on (nil for a pod's
    /// delete, which reads nothing first: its request's `preconditions.uid` conditions it).
    public var resourceVersion: String?
    public var changes: [Change]?
    /// On `applied`: how to undo it (``UndoPlan``), when it can be undone.
    public var undo: UndoPlan?
    /// On `applied`: the incident's severity then (verification compares).
    public var severity: String?
    /// On `applying` and `applied`: the playbook's verification window in seconds, and when to undo.
    public var verifyWithin: Double?
    public var undoWhen: String?
    /// On `applying` and `applied`: true when the proposal came from another replica through the board —
    /// its incident is then judged only on the board, which only the leader reads.
    public var handedOver: Bool?

    public init(
        time: String,
        step: Step,
        proposal: String,
        incident: String,
        subject: String,
        cause: String,
        action: String,
        target: String,
        namespace: String,
        actor: String
    ) {
        self.time = time
        self.step = step
        self.proposal = proposal
        self.incident = incident
        self.subject = subject
        self.cause = cause
        self.action = action
        self.target = target
        self.namespace = namespace
        self.actor = actor
    }

    enum CodingKeys: String, CodingKey {
        case time, step, proposal, incident, subject, cause, action, target, namespace, actor, reason, message
        case request, response, changes, undo, severity
        case resourceVersion = "resource_version"
        case verifyWithin = "verify_within"
        case undoWhen = "undo_when"
        case handedOver = "handed_over"
    }
}
