import VigilKube

/// What the API server said of a proposal sent as a server-side dry run (`?dryRun=All`), and what would
/// change in the object: the remediation engine fills it when a cluster is connected; a report shows it
/// beside the kubectl command.
public struct DryRun: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// The server admitted the change (validation, admission and quotas passed).
        case accepted
        /// The server refused it: its HTTP status and its own words (`Status.message`).
        case refused(status: Int, message: String)
    }

    /// One field that changes, as a dotted path (`spec.template.spec.containers[app].resources.limits.memory`)
    /// with its value before and after (nil where the field is absent).
    public struct Change: Sendable, Equatable {
        public var path: String
        public var before: String?
        public var after: String?

        public init(path: String, before: String?, after: String?) {
            self.path = path
            self.before = before
            self.after = after
        }
    }

    public var outcome: Outcome
    /// Only the fields that change, in path order.
    public var changes: [Change]
    /// The request got no answer: the cluster was not reached (``KubeError/unreached``). No verdict on the
    /// change, and no refusal of it either; its outcome is `refused` with status 0.
    public var isUnanswered: Bool

    public init(outcome: Outcome, changes: [Change] = [], isUnanswered: Bool = false) {
        self.outcome = outcome
        self.changes = changes
        self.isUnanswered = isUnanswered
    }

    /// The dry run a failed request gives: the server's refusal, the client's own before sending, or none
    /// where the cluster was not reached.
    public init(failure error: KubeError) {
        self.init(outcome: .refused(status: error.code, message: error.message), isUnanswered: error.unreached)
    }

    public var isAccepted: Bool { outcome == .accepted }

    /// Whether it tells anything of the change: not when the cluster never answered, nor when the server
    /// answered that it is busy (429, API priority and fairness) or failing (5xx) — where client-go retries
    /// a request that says when. Another try may be answered either way.
    public var isConclusive: Bool {
        guard case .refused(let status, _) = outcome else { return true }
        return !isUnanswered && status != 429 && !(500...599).contains(status)
    }

    /// Its record's reason: `accepted`, `refused`, or `unanswered` where the cluster was not reached.
    public var reason: String { isAccepted ? "accepted" : isUnanswered ? "unanswered" : "refused" }

    /// A refusal as a person reads it: `refused (HTTP 422)`; `refused before sending` for what the client
    /// itself refuses (status 0, as kubectl refuses a drain it may not finish); `not answered (the cluster
    /// was not reached)`.
    public var refusalLabel: String {
        guard case .refused(let status, _) = outcome else { return "accepted" }
        if isUnanswered { return "not answered (the cluster was not reached)" }
        return status == 0 ? "refused before sending" : "refused (HTTP \(status))"
    }
}
