import VigilKube

/// Where evidence belongs: a pod's top-level controller (pod → replicaset → deployment), an HPA's
/// target, an event's object. Pods that are gone are matched by name to the replicaset, statefulset or
/// daemonset that made them, as their names are built.
struct Topology {
    let cluster: ClusterModel

    /// The workload that owns a pod, or the pod itself when it has no known controller.
    func subject(ofPod namespace: String, _ name: String) -> Subject {
        if let top = cluster.owners(ofPod: namespace, name).last {
            return Subject(kind: top.kind, namespace: namespace, name: top.name)
        }
        if let owner = cluster.pods["\(namespace)/\(name)"]?.owner {
            // A replicaset the model does not hold (a listing without replicasets): its deployment is the
            // one whose name, plus the pod-template hash, makes the replicaset's.
            if owner.kind == "ReplicaSet", let deployment = deployment(named: owner.name, in: namespace) {
                return Subject(kind: "Deployment", namespace: namespace, name: deployment)
            }
            return Subject(kind: owner.kind, namespace: namespace, name: owner.name)
        }
        // A deleted pod: `<replicaset>-<5>`, `<statefulset>-<ordinal>`, `<daemonset>-<5>`.
        let candidates = cluster.workloads.values.filter { $0.namespace == namespace && name.hasPrefix($0.name + "-") }
        if let best = candidates.max(by: { Self.fit(of: name, to: $0) < Self.fit(of: name, to: $1) }) {
            return workload(best.kind, namespace, best.name)
        }
        return Subject(kind: "pod", namespace: namespace, name: name)
    }

    /// How well `pod` reads as a pod of `workload`: the longer workload name first, then the kind whose
    /// pods' names have the shape of the rest (a StatefulSet's ordinal, a Deployment's replicaset hash
    /// and pod hash, the five characters of a ReplicaSet's, DaemonSet's or Job's), then the kind's name —
    /// never the order of the model's dictionary.
    static func fit(of pod: String, to workload: WorkloadSummary) -> (Int, Int, String) {
        let rest = pod.dropFirst(workload.name.count + 1)
        func isHash(_ part: Substring) -> Bool { part.count == 5 && part.allSatisfy { $0.isLetter || $0.isNumber } }
        let parts = rest.split(separator: "-", omittingEmptySubsequences: false)
        let shaped =
            switch workload.kind {
            case "StatefulSet": !rest.isEmpty && rest.allSatisfy(\.isNumber)
            case "Deployment": parts.count == 2 && !parts[0].isEmpty && isHash(parts[1])
            case "ReplicaSet", "DaemonSet", "Job": isHash(rest)
            default: false
            }
        return (workload.name.count, shaped ? 1 : 0, workload.kind)
    }

    /// The deployment whose replicaset `replicaSet` is (`web-7d9f8c6b5` → `web`), by name.
    private func deployment(named replicaSet: String, in namespace: String) -> String? {
        cluster.workloads.values.filter {
            $0.kind == "Deployment" && $0.namespace == namespace && replicaSet.hasPrefix($0.name + "-")
        }
        .map(\.name).max { $0.count < $1.count }
    }

    /// A workload, lifted to its own controller (a replicaset to its deployment).
    func workload(_ kind: String, _ namespace: String, _ name: String) -> Subject {
        var kind = kind
        var name = name
        var hops = 0
        while hops < 4, let owner = cluster.workloads["\(kind)/\(namespace)/\(name)"]?.owner {
            kind = owner.kind
            name = owner.name
            hops += 1
        }
        return Subject(kind: kind, namespace: namespace, name: name)
    }

    /// The subject of an object named by kind (as events and findings name them).
    func subject(kind: String, namespace: String, name: String) -> Subject {
        switch kind {
        case "Pod", "pod": subject(ofPod: namespace, name)
        case "ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "replicaset", "deployment", "statefulset",
            "daemonset":
            workload(Self.kindName(kind), namespace, name)
        case "HorizontalPodAutoscaler", "horizontalpodautoscaler":
            cluster.autoscalers["\(namespace)/\(name)"].map {
                workload($0.targetKind, namespace, $0.targetName)
            } ?? Subject(kind: "horizontalpodautoscaler", namespace: namespace, name: name)
        case "Job", "job":
            cluster.jobs["Job/\(namespace)/\(name)"]?.owner.map {
                Subject(kind: $0.kind, namespace: namespace, name: $0.name)
            } ?? Subject(kind: "job", namespace: namespace, name: name)
        default: Subject(kind: kind, namespace: namespace, name: name)
        }
    }

    /// The node a pod runs on.
    func node(ofPod namespace: String, _ name: String) -> String? {
        cluster.pods["\(namespace)/\(name)"]?.node
    }

    /// `ReplicaSet` for `replicaset`: the model keys workloads by their API kind.
    static func kindName(_ kind: String) -> String {
        switch kind.lowercased() {
        case "replicaset": "ReplicaSet"
        case "deployment": "Deployment"
        case "statefulset": "StatefulSet"
        case "daemonset": "DaemonSet"
        default: kind
        }
    }
}
