import Foundation
import VigilYAML

/// Who controls an object (`metadata.ownerReferences[controller=true]`).
public struct OwnerReference: Sendable, Equatable, Hashable {
    public var kind: String
    public var name: String
    public var uid: String
}

/// A pod, reduced to what diagnosis reads: where it runs, who owns it, and how its containers fare.
public struct PodSummary: Sendable, Equatable {
    public var namespace: String
    public var name: String
    public var uid: String
    public var node: String?
    public var phase: String
    /// `status.reason` (`Evicted`).
    public var reason: String?
    public var owner: OwnerReference?
    public var containers: [ContainerSummary]
    public var created: Date?
    /// The `PodScheduled` condition's reason when it is False (`Unschedulable`), with its message.
    public var unschedulable: String?

    public struct ContainerSummary: Sendable, Equatable {
        public var name: String
        public var ready: Bool
        public var restartCount: Int
        /// `state.waiting.reason`: CrashLoopBackOff, ImagePullBackOff, ErrImagePull, CreateContainerConfigError…
        public var waitingReason: String?
        public var waitingMessage: String?
        /// `state.terminated` or else `lastState.terminated`: the reason (OOMKilled, Error, Completed) and
        /// exit code of the latest termination, and when it ended.
        public var terminationReason: String?
        public var exitCode: Int?
        public var terminatedAt: Date?
        /// `resources.limits` of the container's spec, in bytes and cores.
        public var memoryLimit: Double?
        public var cpuLimit: Double?
    }

    /// What an on-call engineer would call wrong with it, most telling first.
    public var problems: [String] {
        var found: [String] = []
        if reason == "Evicted" { found.append("Evicted") }
        for container in containers {
            if container.terminationReason == "OOMKilled" { found.append("OOMKilled") }
            if let waiting = container.waitingReason { found.append(waiting) }
        }
        var seen: Set<String> = []
        return found.filter { seen.insert($0).inserted }
    }

    public var restarts: Int { containers.reduce(0) { $0 + $1.restartCount } }

    init?(_ object: [String: Any]) {
        guard let identity = ObjectIdentity(object) else { return nil }
        let metadata = identity.metadata
        namespace = identity.namespace
        name = identity.name
        uid = metadata["uid"] as? String ?? ""
        owner = Self.controller(of: metadata)
        created = (metadata["creationTimestamp"] as? String).flatMap(KubeTime.parse)
        let spec = object["spec"] as? [String: Any] ?? [:]
        node = spec["nodeName"] as? String
        let limits = Dictionary(
            (spec["containers"] as? [[String: Any]] ?? []).map { container in
                (
                    container["name"] as? String ?? "",
                    ((container["resources"] as? [String: Any])?["limits"] as? [String: Any]) ?? [:]
                )
            },
            uniquingKeysWith: { first, _ in first }
        )
        let status = object["status"] as? [String: Any] ?? [:]
        phase = status["phase"] as? String ?? "Unknown"
        reason = status["reason"] as? String
        let scheduled = (status["conditions"] as? [[String: Any]] ?? []).first {
            $0["type"] as? String == "PodScheduled" && $0["status"] as? String == "False"
        }
        unschedulable = scheduled.map {
            "\($0["reason"] as? String ?? "Unschedulable"): \($0["message"] as? String ?? "")"
        }
        containers = (status["containerStatuses"] as? [[String: Any]] ?? []).map { container in
            let state = container["state"] as? [String: Any] ?? [:]
            let last = container["lastState"] as? [String: Any] ?? [:]
            let terminated = (state["terminated"] ?? last["terminated"]) as? [String: Any]
            let waiting = state["waiting"] as? [String: Any]
            let name = container["name"] as? String ?? ""
            return ContainerSummary(
                name: name,
                ready: container["ready"] as? Bool ?? false,
                restartCount: container["restartCount"] as? Int ?? 0,
                waitingReason: waiting?["reason"] as? String,
                waitingMessage: waiting?["message"] as? String,
                terminationReason: terminated?["reason"] as? String,
                exitCode: terminated?["exitCode"] as? Int,
                terminatedAt: (terminated?["finishedAt"] as? String).flatMap(KubeTime.parse),
                memoryLimit: (limits[name]?["memory"] as? String).flatMap(Quantity.value),
                cpuLimit: (limits[name]?["cpu"] as? String).flatMap(Quantity.value)
            )
        }
    }

    static func controller(of metadata: [String: Any]) -> OwnerReference? {
        let owners = metadata["ownerReferences"] as? [[String: Any]] ?? []
        guard let owner = owners.first(where: { $0["controller"] as? Bool == true }) ?? owners.first,
            let kind = owner["kind"] as? String, let name = owner["name"] as? String
        else { return nil }
        return OwnerReference(kind: kind, name: name, uid: owner["uid"] as? String ?? "")
    }
}

/// A deployment, statefulset, daemonset or replicaset: its owner, revision and pod template images.
public struct WorkloadSummary: Sendable, Equatable {
    public var kind: String
    public var namespace: String
    public var name: String
    public var uid: String
    public var owner: OwnerReference?
    /// `deployment.kubernetes.io/revision` (replicasets and deployments).
    public var revision: Int?
    public var images: [String]
    /// The pod template's containers: what a rollout can change.
    public var template: [ContainerTemplate]
    public var desiredReplicas: Int?
    public var readyReplicas: Int
    public var unavailableReplicas: Int
    /// When it was created (a replicaset's creation is when its rollout began).
    public var created: Date?
    /// Condition type → reason (`Progressing` → `ProgressDeadlineExceeded`), for conditions that hold or fail.
    public var conditionReasons: [String: String]

    /// One container of a pod template: image, environment and resources, compared across revisions.
    public struct ContainerTemplate: Sendable, Equatable {
        public var name: String
        public var image: String
        /// `NAME=value` (or `NAME from …`) for each variable, in order.
        public var environment: [String]
        /// `limits.memory=512Mi`, `requests.cpu=100m`…, sorted.
        public var resources: [String]
    }

    init?(_ object: [String: Any]) {
        guard let kind = object["kind"] as? String, let identity = ObjectIdentity(object) else { return nil }
        let metadata = identity.metadata
        self.kind = kind
        namespace = identity.namespace
        name = identity.name
        uid = metadata["uid"] as? String ?? ""
        owner = PodSummary.controller(of: metadata)
        revision = ((metadata["annotations"] as? [String: String])?["deployment.kubernetes.io/revision"]).flatMap {
            Int($0)
        }
        let spec = object["spec"] as? [String: Any] ?? [:]
        let template = (spec["template"] as? [String: Any])?["spec"] as? [String: Any] ?? [:]
        self.template = (template["containers"] as? [[String: Any]] ?? []).map(Self.containerTemplate)
        images = self.template.map(\.image)
        desiredReplicas = spec["replicas"] as? Int
        let status = object["status"] as? [String: Any] ?? [:]
        readyReplicas = status["readyReplicas"] as? Int ?? 0
        unavailableReplicas = status["unavailableReplicas"] as? Int ?? status["numberUnavailable"] as? Int ?? 0
        created = (metadata["creationTimestamp"] as? String).flatMap(KubeTime.parse)
        conditionReasons = Dictionary(
            (status["conditions"] as? [[String: Any]] ?? []).compactMap { condition in
                guard let type = condition["type"] as? String, let reason = condition["reason"] as? String else {
                    return nil
                }
                return (type, reason)
            },
            uniquingKeysWith: { _, last in last }
        )
    }

    private static func containerTemplate(_ container: [String: Any]) -> ContainerTemplate {
        let environment = (container["env"] as? [[String: Any]] ?? []).map { variable in
            let name = variable["name"] as? String ?? ""
            if let value = variable["value"] as? String { return "\(name)=\(value)" }
            return "\(name) from \(variable["valueFrom"].map { "\($0)" } ?? "nothing")"
        }
        let resources = container["resources"] as? [String: Any] ?? [:]
        let settings = ["limits", "requests"].flatMap { field in
            (resources[field] as? [String: Any] ?? [:]).map { "\(field).\($0.key)=\($0.value)" }
        }
        return ContainerTemplate(
            name: container["name"] as? String ?? "",
            image: container["image"] as? String ?? "",
            environment: environment,
            resources: settings.sorted()
        )
    }
}

/// A node's conditions (Ready, MemoryPressure, DiskPressure, PIDPressure…) and whether it is cordoned.
public struct NodeSummary: Sendable, Equatable {
    public var name: String
    public var unschedulable: Bool
    /// Condition type → status ("True", "False", "Unknown").
    public var conditions: [String: String]
    /// Condition type → when its status last changed.
    public var transitions: [String: Date]
    /// Whether a taint keeps ordinary workloads off (effect `NoSchedule` or `NoExecute`): a control
    /// plane's, one Kubernetes sets itself (`node.kubernetes.io/*`: disk or PID pressure, network
    /// unavailable, not ready), a cloud provider's before the node is initialised, or an autoscaler's on a
    /// node it is removing. A pool's own taint (spot, GPU) keeps off only the pods that do not tolerate
    /// it, which a node's taints cannot tell, so it is not counted.
    public var repelsWorkloads: Bool

    /// Taints outside `node.kubernetes.io/` that keep ordinary workloads off.
    static let workloadRepellingTaints: Set<String> = [
        "node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master",
        "node.cloudprovider.kubernetes.io/uninitialized", "node.cloudprovider.kubernetes.io/shutdown",
        "ToBeDeletedByClusterAutoscaler", "karpenter.sh/disrupted", "karpenter.sh/disruption",
        "karpenter.sh/unregistered",
    ]

    /// Pressure conditions that hold, and a Ready that does not.
    public var problems: [String] {
        var found = conditions.filter { $0.key.hasSuffix("Pressure") && $0.value == "True" }.map(\.key).sorted()
        if let ready = conditions["Ready"], ready != "True" { found.insert("NotReady", at: 0) }
        return found
    }

    public init?(_ object: [String: Any]) {
        guard let metadata = object["metadata"] as? [String: Any], let name = metadata["name"] as? String else {
            return nil
        }
        self.name = name
        let spec = object["spec"] as? [String: Any]
        unschedulable = spec?["unschedulable"] as? Bool ?? false
        repelsWorkloads = (spec?["taints"] as? [[String: Any]] ?? []).contains { taint in
            let key = taint["key"] as? String ?? ""
            return ["NoSchedule", "NoExecute"].contains(taint["effect"] as? String ?? "")
                && (key.hasPrefix("node.kubernetes.io/") || Self.workloadRepellingTaints.contains(key))
        }
        let conditions = (object["status"] as? [String: Any])?["conditions"] as? [[String: Any]] ?? []
        self.conditions = Dictionary(
            conditions.compactMap { condition in
                (condition["type"] as? String).map { ($0, condition["status"] as? String ?? "Unknown") }
            },
            uniquingKeysWith: { _, last in last }
        )
        transitions = Dictionary(
            conditions.compactMap { condition in
                guard let type = condition["type"] as? String,
                    let time = (condition["lastTransitionTime"] as? String).flatMap(KubeTime.parse)
                else { return nil }
                return (type, time)
            },
            uniquingKeysWith: { _, last in last }
        )
    }
}

/// An event (core/v1), reduced to what diagnosis reads.
public struct EventSummary: Sendable, Equatable {
    public var namespace: String
    public var name: String
    public var involvedKind: String
    public var involvedName: String
    public var reason: String
    public var message: String
    /// Normal or Warning.
    public var type: String
    public var count: Int
    public var firstSeen: Date
    public var lastSeen: Date

    /// Reads both shapes of the same stored event: core/v1 (`involvedObject`, `message`, `count`,
    /// `lastTimestamp`) and events.k8s.io/v1 (`regarding`, `note`, `series`, `deprecated*`, `eventTime`).
    init?(_ object: [String: Any], now: Date) {
        guard let metadata = object["metadata"] as? [String: Any], let name = metadata["name"] as? String else {
            return nil
        }
        namespace = metadata["namespace"] as? String ?? "default"
        self.name = name
        let involved = (object["involvedObject"] ?? object["regarding"]) as? [String: Any] ?? [:]
        involvedKind = involved["kind"] as? String ?? ""
        involvedName = involved["name"] as? String ?? ""
        reason = object["reason"] as? String ?? ""
        message = (object["message"] ?? object["note"]) as? String ?? ""
        type = object["type"] as? String ?? "Normal"
        let series = object["series"] as? [String: Any]
        count = (series?["count"] ?? object["count"] ?? object["deprecatedCount"]) as? Int ?? 1
        // The best "last seen": series.lastObservedTime, lastTimestamp, eventTime, creationTimestamp.
        let stamps = [
            series?["lastObservedTime"], object["lastTimestamp"], object["deprecatedLastTimestamp"],
            object["eventTime"],
            metadata["creationTimestamp"],
        ]
        lastSeen = stamps.lazy.compactMap { $0 as? String }.compactMap(KubeTime.parse).first ?? now
        let firstStamps = [object["firstTimestamp"], object["deprecatedFirstTimestamp"], object["eventTime"]]
        firstSeen = min(
            firstStamps.lazy.compactMap { $0 as? String }.compactMap(KubeTime.parse).first ?? lastSeen,
            lastSeen
        )
    }
}
