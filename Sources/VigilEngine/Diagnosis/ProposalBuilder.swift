import VigilKube
import VigilRules
import VigilYAML

/// Turns a playbook's actions into concrete proposals for an incident: the target object, the new value
/// computed from the current one (× factor, capped), the KubeAction and the exact kubectl command.
/// An action that cannot be made concrete (no known limit, no HPA, a class that cannot expand) is left
/// out rather than guessed.
struct ProposalBuilder {
    let cluster: ClusterModel
    let topology: Topology

    init(cluster: ClusterModel) {
        self.cluster = cluster
        topology = Topology(cluster: cluster)
    }

    func proposal(
        _ template: Playbook.ActionTemplate,
        for incident: Incident,
        playbook: Playbook,
        confidence: Double
    )
        -> Proposal?
    {
        let subject = incident.subject
        func make(_ action: KubeAction, _ parameters: [String: String] = [:], _ rationale: String) -> Proposal {
            let target = "\(action.object.resource.rawValue)/\(action.object.name)"
            return Proposal(
                id: Proposal.id(incident: incident.id, action: template.action.rawValue, target: target),
                action: template.action.rawValue,
                target: target,
                namespace: action.object.resource.isNamespaced ? action.object.namespace : "",
                parameters: parameters,
                kubectl: action.kubectlCommand(dryRun: false),
                kubeAction: action,
                rule: playbook.name,
                confidence: confidence,
                rationale: rationale,
                autonomy: playbook.autonomy,
                verify: playbook.verify,
                dryRun: nil
            )
        }
        switch template.action {
        case .undo:
            guard subject.kind == "deployment" else { return nil }
            let history = cluster.rolloutHistory(ofDeployment: subject.namespace, subject.name)
            let previous = history.count > 1 ? history[1].revision.map { " (revision \($0))" } ?? "" : ""
            return make(
                .undo(
                    KubeObjectReference(.deployment, namespace: subject.namespace, name: subject.name),
                    toRevision: nil
                ),
                [:],
                "roll back to the previous revision\(previous), which ran without this trouble"
            )
        case .restart:
            guard let reference = workload(subject) else { return nil }
            return make(.restart(reference), [:], "a rolling restart frees the leaked memory before the limit is hit")
        case .cordon:
            guard subject.kind == "node" else { return nil }
            return make(.cordon(node: subject.name), [:], "keep new pods off the failing node")
        case .drain:
            guard subject.kind == "node" else { return nil }
            return make(
                .drain(node: subject.name, Self.drainOptions),
                [:],
                "move the node's pods to healthy nodes, honouring disruption budgets"
            )
        case .setResources:
            guard let reference = workload(subject), let (container, podLimit, ranOut) = memoryLimit(of: subject)
            else {
                return nil
            }
            // The template, or other pods of the workload, can hold more than the pods in trouble (raised
            // already, mid-rollout; a LimitRange's default raised): a raise of theirs would lower it. The
            // highest is raised, as the remediation engine judges a raise (`not-a-raise`).
            let limit = max(
                templateMemoryLimit(of: subject, container: container) ?? 0,
                podMemoryLimit(of: subject, container: container) ?? 0,
                podLimit
            )
            let wanted = min(limit * template.factor, template.maximum ?? .infinity)
            guard wanted > limit else { return nil }
            let value = Quantity.bytes(wanted)
            return make(
                .setResources(reference, container: container, limits: ["memory": value], requests: [:]),
                ["container": container, "memory_limit": value],
                "memory limit \(Quantity.bytes(limit)) × \(template.factor)"
                    + (wanted < limit * template.factor ? ", capped" : "")
                    + (limit > podLimit
                        ? "; the pods \(ranOut ? "that ran out" : "restarted most") have \(Quantity.bytes(podLimit))"
                        : "")
            )
        case .scale:
            // An autoscaler would undo a manual scale at its next sync: propose nothing for its target.
            guard autoscalers(of: subject).isEmpty, let reference = workload(subject),
                let current = cluster.workloads[
                    "\(Topology.kindName(subject.kind))/\(subject.namespace)/\(subject.name)"
                ]?
                .desiredReplicas
            else { return nil }
            let wanted = min(Self.count(Double(current) * template.factor), Self.countCap(template))
            guard wanted > current else { return nil }
            return make(
                .scale(reference, replicas: wanted),
                ["replicas": "\(wanted)"],
                "\(current) replicas × \(template.factor)"
            )
        case .deletePod:
            guard
                let pod = pods(of: subject).max(by: { ($0.restarts, $0.name) < ($1.restarts, $1.name) })
            else { return nil }
            // Its UID goes with it (to a leader too, on the board): the pod deleted must be this one, not
            // one made again under its name by the time the delete is applied (`replaced`).
            return make(
                .delete(KubeObjectReference(.pod, namespace: pod.namespace, name: pod.name)),
                pod.uid.isEmpty ? [:] : ["uid": pod.uid],
                "the pod in the worst state"
            )
        case .setHPAMax:
            guard
                let hpa = autoscalers(of: subject).min(by: { $0.name < $1.name })
            else { return nil }
            let wanted = min(
                Self.count(Double(hpa.maxReplicas) * template.factor),
                Self.countCap(template)
            )
            guard wanted > hpa.maxReplicas else { return nil }
            return make(
                .setHPAMax(
                    KubeObjectReference(.horizontalpodautoscaler, namespace: hpa.namespace, name: hpa.name),
                    maxReplicas: wanted
                ),
                ["max_replicas": "\(wanted)"],
                "maxReplicas \(hpa.maxReplicas) × \(template.factor)"
                    + (wanted < Self.count(Double(hpa.maxReplicas) * template.factor) ? ", capped" : "")
            )
        case .expandPVC:
            guard subject.kind == "persistentvolumeclaim",
                let claim = cluster.volumeClaims["\(subject.namespace)/\(subject.name)"],
                // An expansion under way has its request above its capacity: grow from the request.
                let current = [claim.capacityBytes, claim.requestedBytes].compactMap(\.self).max()
            else { return nil }
            // The server refuses to grow a claim whose class does not allow it: propose nothing rather than
            // a change that cannot land.
            guard let className = claim.storageClass, cluster.storageClasses["/\(className)"]?.allowsExpansion == true
            else {
                return nil
            }
            let wanted = min(current * template.factor, template.maximum ?? .infinity)
            guard wanted > current else { return nil }
            let size = Quantity.bytes(wanted)
            return make(
                .expandPVC(
                    KubeObjectReference(.persistentvolumeclaim, namespace: subject.namespace, name: subject.name),
                    size: size
                ),
                ["size": size],
                (current == claim.capacityBytes ? "capacity" : "request, expanding,")
                    + " \(Quantity.bytes(current)) × \(template.factor)"
                    + (wanted < current * template.factor ? ", capped" : "")
            )
        }
    }

    /// How a playbook's drain drains: DaemonSet pods left, emptyDir data given up, no pod without a
    /// controller forced off, five minutes for the evictions, and a pod still there a minute after its
    /// grace period ended no longer waited for (a node that stopped working never confirms its pods'
    /// ends: every drain of one waited out its five minutes and failed, the node left cordoned).
    static let drainOptions = DrainOptions(
        ignoreDaemonSets: true,
        deleteEmptyDirData: true,
        force: false,
        timeout: 300,
        skipWaitForDeleteTimeout: 60
    )

    /// The most replicas (or HPA maximum) `template` proposes: its `max`, or 1,000.
    static func countCap(_ template: Playbook.ActionTemplate) -> Int {
        count(template.maximum ?? 1000)
    }

    /// A replica count, rounded up and clamped to a million (counts read from a cluster may be anything).
    static func count(_ value: Double) -> Int {
        Int(min(max(value.rounded(.up), 0), 1_000_000))
    }

    private func workload(_ subject: Subject) -> KubeObjectReference? {
        guard let resource = KubeResource(rawValue: subject.kind),
            [.deployment, .statefulset, .daemonset].contains(resource)
        else { return nil }
        return KubeObjectReference(resource, namespace: subject.namespace, name: subject.name)
    }

    /// The pods whose trouble is the subject's.
    private func pods(of subject: Subject) -> [PodSummary] {
        cluster.pods.values.filter { topology.subject(ofPod: $0.namespace, $0.name) == subject }
    }

    /// The autoscalers that scale the subject.
    private func autoscalers(of subject: Subject) -> [AutoscalerSummary] {
        cluster.autoscalers.values.filter {
            $0.namespace == subject.namespace && $0.targetName == subject.name
                && $0.targetKind.lowercased() == subject.kind
        }
    }

    /// The highest memory limit the subject's pods give `container` (any container when nil), or nil when
    /// none shows one: the leader judges a memory fix another replica handed over against it.
    func podMemoryLimit(of subject: Subject, container: String?) -> Double? {
        pods(of: subject).flatMap(\.containers).filter { container == nil || $0.name == container }
            .compactMap(\.memoryLimit).max()
    }

    /// `container`'s memory limit in the workload's pod template, as the round's model shows it.
    private func templateMemoryLimit(of subject: Subject, container: String) -> Double? {
        let key = "\(Topology.kindName(subject.kind))/\(subject.namespace)/\(subject.name)"
        let resources = cluster.workloads[key]?.template.first { $0.name == container }?.resources ?? []
        let prefix = "limits.memory="
        return resources.first { $0.hasPrefix(prefix) }.flatMap { Quantity.value(String($0.dropFirst(prefix.count))) }
    }

    /// The container whose memory runs short, its limit in the pod chosen, and whether it was OOM-killed:
    /// from the pods of the workload, the container OOM-killed and restarted most, and between pods that
    /// tie (one container in each, mid rollout), the highest limit. Never the dictionary of pods' order.
    /// (The limit raised is the highest the workload runs the container with, this one's or another's.)
    private func memoryLimit(of subject: Subject) -> (container: String, limit: Double, ranOut: Bool)? {
        let containers = pods(of: subject).flatMap(\.containers).filter { $0.memoryLimit != nil }
        let chosen = containers.max { lhs, rhs in
            (lhs.terminationReason == "OOMKilled" ? 1 : 0, lhs.restartCount, lhs.memoryLimit ?? 0, lhs.name)
                < (rhs.terminationReason == "OOMKilled" ? 1 : 0, rhs.restartCount, rhs.memoryLimit ?? 0, rhs.name)
        }
        guard let chosen, let limit = chosen.memoryLimit else { return nil }
        return (chosen.name, limit, chosen.terminationReason == "OOMKilled")
    }
}
