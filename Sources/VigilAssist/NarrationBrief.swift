/// What the narrator is told of one incident, field by field, so that each field can be masked for
/// what it is: names and namespaces get placeholders, text written by the cluster (event messages,
/// alert descriptions) is withheld whole, and Vigil's own sentences keep their words but lose their names.
public struct NarrationBrief: Sendable, Equatable {
    /// The object the incident is about: `deployment`, its namespace (empty for nodes) and name.
    public var kind: String
    public var namespace: String
    public var name: String
    /// The cause class (`bad-rollout`, `unknown`) and the severity: Vigil's vocabulary, sent as is.
    public var cause: String
    public var severity: String
    /// Vigil's one line and its evidence-based explanation (names masked).
    public var summary: String
    public var explanation: String
    public var evidence: [Line]
    public var proposals: [Action]

    /// One piece of evidence.
    public struct Line: Sendable, Equatable {
        /// `finding`, `anomaly`, `event`, `alert`.
        public var kind: String
        /// The finding's, anomaly's or event's reason (`BackOff`) when it is Vigil's or Kubernetes's own
        /// vocabulary; empty when the cluster wrote it (a custom event reason is free text).
        public var reason: String
        /// `pod/checkout-7d9f-x2`, `pod/web/app`: kind kept, names masked.
        public var object: String
        public var message: String
        /// Written by the cluster or an alert's author (events, alerts): withheld, never sent.
        public var fromCluster: Bool
        public var count: Int

        public init(kind: String, reason: String, object: String, message: String, fromCluster: Bool, count: Int) {
            self.kind = kind
            self.reason = reason
            self.object = object
            self.message = message
            self.fromCluster = fromCluster
            self.count = count
        }
    }

    /// A proposal as the model hears of it: only what it is and what it acts on (the command is not sent).
    public struct Action: Sendable, Equatable {
        public var action: String
        public var target: String
        public var namespace: String

        public init(action: String, target: String, namespace: String) {
            self.action = action
            self.target = target
            self.namespace = namespace
        }
    }

    public init(
        kind: String,
        namespace: String,
        name: String,
        cause: String,
        severity: String,
        summary: String,
        explanation: String,
        evidence: [Line],
        proposals: [Action]
    ) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.cause = cause
        self.severity = severity
        self.summary = summary
        self.explanation = explanation
        self.evidence = evidence
        self.proposals = proposals
    }
}
