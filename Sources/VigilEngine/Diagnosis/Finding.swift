/// What an incident is about: a workload (`deployment/web`), a node, a volume claim, or a lone pod.
public struct Subject: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Lowercase kind: deployment, statefulset, daemonset, job, cronjob, pod, node, persistentvolumeclaim.
    public var kind: String
    /// Empty for cluster-scoped objects (nodes).
    public var namespace: String
    public var name: String

    public init(kind: String, namespace: String, name: String) {
        self.kind = kind.lowercased()
        self.namespace = kind.lowercased() == "node" ? "" : namespace
        self.name = name
    }

    /// `deployment/web`, as kubectl names objects.
    public var description: String { "\(kind)/\(name)" }

    public static func < (lhs: Subject, rhs: Subject) -> Bool {
        (lhs.namespace, lhs.kind, lhs.name) < (rhs.namespace, rhs.kind, rhs.name)
    }
}

/// One fact an analyzer found in the cluster's state: an object, a reason an on-call engineer would
/// recognise (`OOMKilled`, `CrashLoopBackOff`, `NodeNotReady`, `RecentRollout`…), evidence in words,
/// and how bad it is.
public struct Finding: Sendable, Equatable {
    public enum Severity: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
        case info, warning, critical

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rawValue < rhs.rawValue }
        public var description: String {
            switch self {
            case .info: "info"
            case .warning: "warning"
            case .critical: "critical"
            }
        }
    }

    /// Every reason the default analyzers give, for checking the playbooks that name them.
    public static let reasons: Set<String> = [
        "OOMKilled", "CrashLoopBackOff", "ImagePullBackOff", "CreateContainerConfigError", "FailedScheduling",
        "Evicted", "UnavailableReplicas", "ProgressDeadlineExceeded", "RecentRollout", "NodeNotReady",
        "MemoryPressure", "DiskPressure", "PIDPressure", "NodeUnschedulable", "HPAAtMaximum", "PVCPending",
        "VolumeFilling", "JobFailed", "MemoryNearLimit", "MemoryLeakForecast", "CPUThrottled",
    ]

    public var reason: String
    public var severity: Severity
    /// The object the fact is about (a pod, a workload, a node, a claim).
    public var object: Subject
    public var container: String?
    /// The node the object runs on, when that matters (pods).
    public var node: String?
    public var message: String
    /// When it began (seconds since the epoch), when known.
    public var since: Double?

    public init(
        _ reason: String,
        _ severity: Severity,
        object: Subject,
        container: String? = nil,
        node: String? = nil,
        message: String,
        since: Double? = nil
    ) {
        self.reason = reason
        self.severity = severity
        self.object = object
        self.container = container
        self.node = node
        self.message = message
        self.since = since
    }
}
