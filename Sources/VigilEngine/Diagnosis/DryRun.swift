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

    public init(outcome: Outcome, changes: [Change] = []) {
        self.outcome = outcome
        self.changes = changes
    }

    public var isAccepted: Bool { outcome == .accepted }
}
