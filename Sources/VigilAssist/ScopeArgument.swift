import VigilHTTP

/// The scope an agent names in a tool's arguments, checked as the API server would check it before any
/// of it is used: a namespace is a DNS-1123 label, a workload `KIND/NAME` with a kind spelled as kubectl
/// spells it (exactly: `deploy` is a kind, `deployx` and `d` are not) and a DNS-1123 subdomain for its name.
public enum ScopeArgument {
    /// A workload: its kind as Vigil names subjects (`deployment`) and its name.
    public struct Workload: Sendable, Equatable {
        public var kind: String
        public var name: String

        public init(kind: String, name: String) {
            self.kind = kind
            self.name = name
        }
    }

    /// kubectl's names for the kinds Vigil diagnoses: singular, plural, short.
    static let kinds: [String: String] = [
        "deployment": "deployment", "deployments": "deployment", "deploy": "deployment",
        "statefulset": "statefulset", "statefulsets": "statefulset", "sts": "statefulset",
        "daemonset": "daemonset", "daemonsets": "daemonset", "ds": "daemonset",
        "job": "job", "jobs": "job", "cronjob": "cronjob", "cronjobs": "cronjob", "cj": "cronjob",
        "pod": "pod", "pods": "pod", "po": "pod",
    ]

    /// `text` when it is a namespace's name; else an error naming `argument`.
    public static func namespace(_ text: String, argument: String = "namespace") throws(AssistError) -> String {
        guard isLabel(text) else {
            throw AssistError(
                "\(argument): \(quoted(text)) is not a namespace name (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63)"
            )
        }
        return text
    }

    /// `KIND/NAME` parsed; else an error naming `argument`.
    public static func workload(_ text: String, argument: String = "workload") throws(AssistError) -> Workload {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, let kind = kinds[parts[0].lowercased()] else {
            throw AssistError(
                "\(argument): expected KIND/NAME with KIND one of deployment (deploy), statefulset (sts), daemonset (ds), job, cronjob (cj), pod (po); got \(quoted(text))"
            )
        }
        let name = parts[1]
        guard name.utf8.count <= 253, !name.isEmpty,
            name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ isLabel($0) })
        else {
            throw AssistError(
                "\(argument): \(quoted(name)) is not an object name (lowercase letters, digits, '-' and '.', at most 253)"
            )
        }
        return Workload(kind: kind, name: name)
    }

    /// A DNS-1123 label: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, 63 bytes at most.
    static func isLabel(_ text: some StringProtocol) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...63).contains(bytes.count) else { return false }
        func alphanumeric(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) }
        return alphanumeric(bytes[0]) && alphanumeric(bytes[bytes.count - 1])
            && bytes.allSatisfy { alphanumeric($0) || $0 == 0x2D }
    }

    /// The most of an argument an error quotes, in UTF-8 bytes.
    static let quotedBytes = 80

    /// An argument as the error quotes it: at most ``quotedBytes`` of it, cut between scalars, control
    /// characters escaped (``AnswerBudget/prefix(_:bytes:)``).
    public static func quoted(_ text: String) -> String {
        (AnswerBudget.prefix(text, bytes: quotedBytes).map { $0 + "…" } ?? text).jsonLiteral
    }
}
