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
    public private(set) var autoscalers: [String: AutoscalerSummary] = [:]
    public private(set) var volumeClaims: [String: VolumeClaimSummary] = [:]
    public private(set) var storageClasses: [String: StorageClassSummary] = [:]
    /// Jobs and CronJobs, keyed `Kind/namespace/name`.
    public private(set) var jobs: [String: JobSummary] = [:]
    /// Oldest first.
    public private(set) var events: [EventSummary] = []

    public init(eventWindow: TimeInterval = 3600, maxEvents: Int = 10_000) {
        self.eventWindow = eventWindow
        self.maxEvents = maxEvents
    }

    /// The kinds the model keeps, and the collection each is watched at (cluster-wide).
    public enum Kind: String, Sendable, CaseIterable {
        case pods, replicasets, deployments, statefulsets, daemonsets, nodes, events
        case horizontalpodautoscalers, persistentvolumeclaims, storageclasses, jobs, cronjobs

        public var collection: String {
            switch self {
            case .pods, .nodes, .events, .persistentvolumeclaims: "/api/v1/\(rawValue)"
            case .horizontalpodautoscalers: "/apis/autoscaling/v2/\(rawValue)"
            case .storageclasses: "/apis/storage.k8s.io/v1/\(rawValue)"
            case .jobs, .cronjobs: "/apis/batch/v1/\(rawValue)"
            default: "/apis/apps/v1/\(rawValue)"
            }
        }

        /// The kind an object's `kind` field names (`Pod` → `.pods`), for mixed lists.
        public init?(objectKind: String) {
            let plural = objectKind.lowercased() + (objectKind.hasSuffix("s") ? "es" : "s")
            guard let kind = Kind(rawValue: plural) else { return nil }
            self = kind
        }
    }

    /// Takes the items of a `v1 List` of mixed kinds (as `kubectl get pods,deployments,… -o json`
    /// prints it), each kind replacing what the model held of it; items of kinds it does not keep are
    /// skipped. Returns how many items were kept.
    @discardableResult
    public mutating func load(items: [[String: Any]], now: Date) -> Int {
        var byKind: [Kind: [[String: Any]]] = [:]
        for item in items {
            guard let kind = (item["kind"] as? String).flatMap(Kind.init(objectKind:)) else { continue }
            byKind[kind, default: []].append(item)
        }
        // Objects already decoded go in as they are: no round trip through JSON text.
        for (kind, objects) in byKind {
            clear(kind)
            if kind == .events {
                replaceEvents(objects, now: now) { $0 }
            } else {
                for object in objects { upsert(object: object, kind: kind, now: now) }
            }
        }
        expireEvents(now: now)
        return byKind.values.reduce(0) { $0 + $1.count }
    }

    /// Takes the items of an `EventList` (`kubectl get events -o json`), whose items may carry no kind.
    public mutating func load(events items: [[String: Any]], now: Date) {
        load(
            items: items.map { item in
                var event = item
                event["kind"] = event["kind"] ?? "Event"
                return event
            },
            now: now
        )
    }

    /// Takes one reflector event for objects of `kind`.
    public mutating func apply(_ event: ReflectorEvent, kind: Kind, now: Date = Date()) {
        switch event {
        case .listed(let items) where kind == .events:
            replaceEvents(items, now: now, KubeClient.object)
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
        case .horizontalpodautoscalers: autoscalers.removeAll()
        case .persistentvolumeclaims: volumeClaims.removeAll()
        case .storageclasses: storageClasses.removeAll()
        case .jobs, .cronjobs:
            let jobKind = kind == .jobs ? "Job" : "CronJob"
            jobs = jobs.filter { $0.value.kind != jobKind }
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
        upsert(object: KubeClient.object(raw), kind: kind, now: now)
    }

    private mutating func upsert(object: [String: Any], kind: Kind, now: Date) {
        var object = object
        guard let key = Self.key(object) else { return }
        switch kind {
        case .pods: pods[key] = PodSummary(object)
        case .nodes: nodes[key] = NodeSummary(object)
        case .horizontalpodautoscalers: autoscalers[key] = AutoscalerSummary(object)
        case .persistentvolumeclaims: volumeClaims[key] = VolumeClaimSummary(object)
        case .storageclasses: storageClasses[key] = StorageClassSummary(object)
        case .jobs, .cronjobs:
            object["kind"] = object["kind"] ?? (kind == .jobs ? "Job" : "CronJob")
            guard let job = JobSummary(object) else { return }
            jobs["\(job.kind)/\(key)"] = job
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

    /// An event's identity: a later event of the same namespace and name replaces it.
    private struct EventKey: Hashable {
        var namespace: String
        var name: String
    }

    /// Replaces the events with those of a list, keeping what inserting them one by one and then
    /// expiring would keep: the last of each namespace/name, within `eventWindow`, the newest
    /// `maxEvents`, oldest first (events of the same time in list order). One by one, each insert moves
    /// the events after it and the whole list is held before the trim: quadratic and unbounded on a
    /// relist of 100k events. Here the list is walked backwards (the first of an identity met is its
    /// last), holding the identities seen and at most twice `maxEvents` summaries, trimmed by one sort
    /// each time they double: O(n log maxEvents).
    private mutating func replaceEvents<Item>(_ items: [Item], now: Date, _ object: (Item) -> [String: Any]) {
        let cutoff = now.addingTimeInterval(-eventWindow)
        let limit = max(0, maxEvents)
        // The position in the list orders events of the same time as the inserts would have.
        typealias Candidate = (position: Int, event: EventSummary)
        func newestFirst(_ a: Candidate, _ b: Candidate) -> Bool {
            (a.event.lastSeen, a.position) > (b.event.lastSeen, b.position)
        }
        var kept: [Candidate] = []
        var seen: Set<EventKey> = []
        for position in items.indices.reversed() {
            // An object that is no event (no name) replaces nothing, as `upsert` skips it.
            guard let event = EventSummary(object(items[position]), now: now),
                seen.insert(EventKey(namespace: event.namespace, name: event.name)).inserted,
                event.lastSeen >= cutoff
            else { continue }
            kept.append((position: position, event: event))
            // Past twice the bound (so written that a huge bound cannot overflow): back to the newest.
            if kept.count - limit > limit {
                kept.sort(by: newestFirst)
                kept.removeLast(kept.count - limit)
            }
        }
        kept.sort(by: newestFirst)
        events = kept.prefix(limit).reversed().map { $0.event }
    }

    private mutating func remove(_ raw: [UInt8], kind: Kind) {
        let object = KubeClient.object(raw)
        guard let key = Self.key(object) else { return }
        switch kind {
        case .pods: pods[key] = nil
        case .nodes: nodes[key] = nil
        case .horizontalpodautoscalers: autoscalers[key] = nil
        case .persistentvolumeclaims: volumeClaims[key] = nil
        case .storageclasses: storageClasses[key] = nil
        case .jobs: jobs["Job/\(key)"] = nil
        case .cronjobs: jobs["CronJob/\(key)"] = nil
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
