/// A remediation playbook: *when* the evidence of an incident matches, *then* the cause it names and the
/// actions it proposes, with the explanation a person reads.
public struct Playbook: Sendable {
    /// One piece of evidence a playbook asks for.
    public struct Condition: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable {
            /// An analyzer's finding by reason (`OOMKilled`, `CrashLoopBackOff`, `RecentRollout`…).
            case finding
            /// An anomaly of a detection rule's signal, by the rule's name.
            case anomaly
            /// A Kubernetes event by reason (`BackOff`, `FailedScheduling`…).
            case event
            /// A firing Alertmanager alert by `alertname`.
            case alert
        }

        public var kind: Kind
        public var name: String
        /// How much the evidence weighs when causes are ranked.
        public var weight: Double

        public init(_ kind: Kind, _ name: String, weight: Double? = nil) {
            self.kind = kind
            self.name = name
            self.weight = weight ?? Self.defaultWeight(kind)
        }

        /// Findings are facts about objects, anomalies are statistics, events are hearsay that repeats.
        public static func defaultWeight(_ kind: Kind) -> Double {
            switch kind {
            case .finding: 2
            case .anomaly: 1.5
            case .event: 1
            case .alert: 1
            }
        }
    }

    /// How far a playbook may go on its own (the remediation issue enforces it; diagnosis only records it).
    public enum Autonomy: String, Sendable, CaseIterable {
        case explain, propose, approve, apply
    }

    /// How an applied fix is judged: whether the incident is gone within `within` seconds, and whether
    /// to take the fix back when it is not.
    public struct Verification: Sendable, Equatable {
        /// When to undo an applied fix automatically (and escalate).
        public enum Undo: String, Sendable, CaseIterable {
            /// Never: a person decides (the incident is escalated when the fix did not help).
            case never
            /// Only when the incident got worse (a higher severity) after the fix.
            case madeWorse = "made-worse"
            /// Whenever the incident is still there at the end of the window.
            case notResolved = "not-resolved"
        }

        public var within: Double
        public var undo: Undo

        public init(within: Double = 600, undo: Undo = .never) {
            self.within = within
            self.undo = undo
        }
    }

    /// One action a playbook proposes, with how its parameter grows from the current value.
    public struct ActionTemplate: Sendable, Equatable {
        public enum Action: String, Sendable, CaseIterable {
            case setResources = "set-resources"
            case undo, restart, cordon, drain, scale
            case setHPAMax = "set-hpa-max"
            case expandPVC = "expand-pvc"
            case deletePod = "delete-pod"

            /// The parameter key each action takes in a rule file, if any.
            public var parameter: String? {
                switch self {
                case .setResources: "memory_limit"
                case .setHPAMax: "max_replicas"
                case .scale: "replicas"
                case .expandPVC: "size"
                default: nil
                }
            }
        }

        public var action: Action
        /// New value = current × `factor`, capped at `maximum` (bytes or a count).
        public var factor: Double
        public var maximum: Double?

        public init(_ action: Action, factor: Double = 1.5, maximum: Double? = nil) {
            self.action = action
            self.factor = factor
            self.maximum = maximum
        }
    }

    public var name: String
    /// The cause class this playbook names (`memory-limit`, `bad-rollout`…): part of an incident's id.
    public var cause: String
    /// One line: the cause as a person would say it.
    public var summary: String
    public var all: [Condition]
    public var any: [Condition]
    public var none: [Condition]
    public var then: [ActionTemplate]
    public var autonomy: Autonomy
    public var verify: Verification
    /// `{{workload}}`, `{{evidence}}`… filled from the incident (see the rule file's documentation).
    public var explain: String
    public var origin: String

    public init(
        name: String,
        cause: String,
        summary: String,
        all: [Condition] = [],
        any: [Condition] = [],
        none: [Condition] = [],
        then: [ActionTemplate] = [],
        autonomy: Autonomy = .propose,
        verify: Verification = Verification(),
        explain: String = "",
        origin: String = ""
    ) {
        self.name = name
        self.cause = cause
        self.summary = summary
        self.all = all
        self.any = any
        self.none = none
        self.then = then
        self.autonomy = autonomy
        self.verify = verify
        self.explain = explain
        self.origin = origin
    }
}
