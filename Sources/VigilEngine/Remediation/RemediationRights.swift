import VigilKube
import VigilRules

/// The rights on the API that remediation needs: for each action a playbook proposes, every request the
/// action sends as kubectl sends it (the read that comes first, then the change; a server-side dry run
/// needs the same verbs, as RBAC cannot grant "dry run only"), in each namespace remediation may change
/// (`remediation.namespaces`; a proposal elsewhere is still dry-run, but never applied, so it is not asked).
/// deploy/rbac-remediation.yaml grants them: its Role vigil-remediate the namespaced ones, its ClusterRole
/// vigil-remediate-nodes the node actions'. A daemon with `--allow-apply` asks for them at start, so that
/// a Role short of a verb is found then, not at the incident whose fix it refuses.
public enum RemediationRights {
    /// The rights `action` needs in `namespace` ("" for every namespace). A node action needs its rights in
    /// every namespace whatever `namespace` says: a node is in none, and a drain evicts pods from any.
    public static func rights(of action: Playbook.ActionTemplate.Action, in namespace: String) -> [KubeRight] {
        let workloads = ["deployments", "statefulsets", "daemonsets"]
        switch action {
        case .restart, .setResources:
            return workloads.flatMap { workload in
                ["get", "patch"].map { KubeRight($0, workload, group: "apps", in: namespace) }
            }
        case .undo:
            // kubectl rollout undo reads the deployment's replicasets for the revision to go back to.
            return [
                KubeRight("get", "deployments", group: "apps", in: namespace),
                KubeRight("list", "replicasets", group: "apps", in: namespace),
                KubeRight("patch", "deployments", group: "apps", in: namespace),
            ]
        case .scale:
            return ["deployments", "statefulsets"].flatMap { workload in
                [
                    KubeRight("get", workload, group: "apps", in: namespace),
                    KubeRight("patch", workload, group: "apps", subresource: "scale", in: namespace),
                ]
            }
        case .setHPAMax:
            return ["get", "patch"].map {
                KubeRight($0, "horizontalpodautoscalers", group: "autoscaling", in: namespace)
            }
        case .expandPVC:
            return ["get", "patch"].map { KubeRight($0, "persistentvolumeclaims", in: namespace) }
        case .deletePod:
            return [KubeRight("delete", "pods", in: namespace)]
        case .cordon:
            return ["get", "patch"].map { KubeRight($0, "nodes", in: "") }
        case .drain:
            // The cordon, then the node's pods listed cluster-wide, each read again and evicted; each
            // running DaemonSet pod's DaemonSet is read, to tell whether its controller still exists.
            return rights(of: .cordon, in: "") + [
                KubeRight("list", "pods", in: ""), KubeRight("get", "pods", in: ""),
                KubeRight("create", "pods", subresource: "eviction", in: ""),
                KubeRight("get", "daemonsets", group: "apps", in: ""),
            ]
        }
    }

    /// Every right the actions of `playbooks` need where `policy` lets them be proposed, each once, with the
    /// actions that need it, in the order the playbooks first name them. A playbook that only explains
    /// needs none; a namespace's autonomy (`remediation.autonomy`) can make one propose there, or not.
    public static func needed(by playbooks: [Playbook], policy: RemediationPolicy) -> [NeededRight] {
        var order: [KubeRight] = []
        var actions: [KubeRight: [String]] = [:]
        for playbook in playbooks {
            for template in playbook.then {
                let scopes =
                    template.action.isNodeAction
                    ? (policy.autonomy(for: playbook.autonomy, namespace: "") == .explain ? [] : [""])
                    : namespaces(for: playbook.autonomy, policy: policy)
                for namespace in scopes {
                    for right in rights(of: template.action, in: namespace) {
                        if actions[right] == nil { order.append(right) }
                        if actions[right, default: []].contains(template.action.rawValue) == false {
                            actions[right, default: []].append(template.action.rawValue)
                        }
                    }
                }
            }
        }
        return order.map { NeededRight($0, purpose: "for " + (actions[$0] ?? []).joined(separator: ", ")) }
    }

    /// Where a playbook at `level` proposes: the allowed namespaces it proposes in, or, with none listed,
    /// every namespace ("": RBAC cannot grant "all but the denied") — or, where it only explains, the
    /// namespaces whose own autonomy makes it propose.
    static func namespaces(for level: Playbook.Autonomy, policy: RemediationPolicy) -> [String] {
        let proposes = { (namespace: String) in policy.autonomy(for: level, namespace: namespace) != .explain }
        if !policy.allowNamespaces.isEmpty { return policy.permittedNamespaces.filter(proposes) }
        if level != .explain { return [""] }
        return policy.autonomy.keys.sorted().filter { policy.namespaceRefusal($0) == nil && proposes($0) }
    }
}

extension Playbook.ActionTemplate.Action {
    /// Whether the action changes a node (in no namespace) rather than an object in one.
    var isNodeAction: Bool { self == .cordon || self == .drain }
}
