import Foundation

/// The cluster as diagnosis needs it, kept up to date from reflector events: pods (with their
/// problems), workloads and their owner graph (pod → replicaset → deployment), rollout history,
/// nodes and their conditions, and the events of a recent window.
///
/// Bounded: objects are reduced to summaries as they arrive (no raw JSON is kept), and events are kept
/// for `eventWindow` and at most `maxEvents`, oldest dropped first, so a large or noisy cluster cannot
/// grow it without limit.
public struct ClusterModel: Sendable {
    public var eventWindow: TimeInterval
    public var maxEvents: Int
    public private(set) var pods: [String: PodSummary] = [:]
    public private(set) var workloads: [String: WorkloadSummary] = [:]
    public private(set) var nodes: [String: NodeSummary] = [:]
    /// Oldest first.
    public private(set) var events: [EventSummary] = []

    public init(eventWindow: TimeInterval = 3600, maxEvents: Int = 10_000) {
        self.eventWindow = eventWindow
        self.maxEvents = maxEvents
    }

    /// The kinds the model keeps, and the collection each is watched at (cluster-wide).
    public enum Kind: String, Sendable, CaseIterable {
        case pods, replicasets, deployments, statefulsets, daemonsets, nodes, events

        public var collection: String {
            switch self {
            case .pods, .nodes, .events: "/api/v1/\(rawValue)"
            default: "/apis/apps/v1/\(rawValue)"
            }
        }
    }

    /// Takes one reflector event for objects of `kind`.
    public mutating func apply(_ event: ReflectorEvent, kind: Kind, now: Date = Date()) {
        switch event {
        case .listed(let items):
            clear(kind)
            for item in items { upsert(item, kind: kind, now: now) }
        case .added(let raw), .modified(let raw): upsert(raw, kind: kind, now: now)
        case .deleted(let raw): remove(raw, kind: kind)
        }
        expireEvents(now: now)
    }

    private static func key(_ object: [String: Any]) -> String? {
        guard let metadata = object["metadata"] as? [String: Any], let name = metadata["name"] as? String else {
            return nil
        }
        return "\(metadata["namespace"] as? String ?? "")/\(name)"
    }

    private mutating func clear(_ kind: Kind) {
        switch kind {
        case .pods: pods.removeAll()
        case .nodes: nodes.removeAll()
        case .events: events.removeAll()
        default:
            let workloadKind = Self.workloadKind(kind)
            workloads = workloads.filter { $0.value.kind != workloadKind }
        }
    }

    private static func workloadKind(_ kind: Kind) -> String {
        switch kind {
        case .replicasets: "ReplicaSet"
        case .deployments: "Deployment"
        case .statefulsets: "StatefulSet"
        default: "DaemonSet"
        }
    }

    private mutating func upsert(_ raw: [UInt8], kind: Kind, now: Date) {
        var object = KubeClient.object(raw)
        guard let key = Self.key(object) else { return }
        switch kind {
        case .pods: pods[key] = PodSummary(object)
        case .nodes: nodes[key] = NodeSummary(object)
        case .events:
            guard let event = EventSummary(object, now: now) else { return }
            events.removeAll { $0.namespace == event.namespace && $0.name == event.name }
            let index = events.lastIndex { $0.lastSeen <= event.lastSeen }.map { $0 + 1 } ?? 0
            events.insert(event, at: index)
        default:
            // List items carry no kind; the collection says what they are.
            object["kind"] = object["kind"] ?? Self.workloadKind(kind)
            workloads["\(Self.workloadKind(kind))/\(key)"] = WorkloadSummary(object)
        }
    }

    private mutating func remove(_ raw: [UInt8], kind: Kind) {
        let object = KubeClient.object(raw)
        guard let key = Self.key(object) else { return }
        switch kind {
        case .pods: pods[key] = nil
        case .nodes: nodes[key] = nil
        case .events: events.removeAll { "\($0.namespace)/\($0.name)" == key }
        default: workloads["\(Self.workloadKind(kind))/\(key)"] = nil
        }
    }

    private mutating func expireEvents(now: Date) {
        let cutoff = now.addingTimeInterval(-eventWindow)
        if let firstKept = events.firstIndex(where: { $0.lastSeen >= cutoff }) {
            events.removeFirst(firstKept)
        } else {
            events.removeAll()
        }
        if events.count > maxEvents { events.removeFirst(events.count - maxEvents) }
    }

    // MARK: - Questions diagnosis asks

    /// The chain of controllers above a pod: its replicaset, that replicaset's deployment, and so on.
    public func owners(ofPod namespace: String, _ name: String) -> [WorkloadSummary] {
        var chain: [WorkloadSummary] = []
        var next = pods["\(namespace)/\(name)"]?.owner
        while let owner = next, let workload = workloads["\(owner.kind)/\(namespace)/\(owner.name)"], chain.count < 8 {
            chain.append(workload)
            next = workload.owner
        }
        return chain
    }

    /// A deployment's rollouts: its replicasets by revision, newest first.
    public func rolloutHistory(ofDeployment namespace: String, _ name: String) -> [WorkloadSummary] {
        workloads.values.filter {
            $0.kind == "ReplicaSet" && $0.namespace == namespace && $0.owner?.kind == "Deployment"
                && $0.owner?.name == name
        }
        .sorted { ($0.revision ?? 0) > ($1.revision ?? 0) }
    }

    /// Pods with a problem (OOMKilled, CrashLoopBackOff, ImagePullBackOff, Evicted…), most restarts first.
    public var troubledPods: [PodSummary] {
        pods.values.filter { !$0.problems.isEmpty }.sorted { ($0.restarts, $0.name) > ($1.restarts, $1.name) }
    }

    /// Events about one object, oldest first.
    public func events(involving kind: String, namespace: String, name: String) -> [EventSummary] {
        events.filter { $0.involvedKind == kind && $0.namespace == namespace && $0.involvedName == name }
    }
}
