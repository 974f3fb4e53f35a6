/// The built-in resources Vigil reads and acts on, with the paths kubectl uses for them (no discovery:
/// they are fixed for these).
public enum KubeResource: String, Sendable, CaseIterable, Codable {
    case deployment, statefulset, daemonset, replicaset, pod, node, persistentvolumeclaim, horizontalpodautoscaler

    /// The API group ("" for the core group).
    public var group: String {
        switch self {
        case .deployment, .statefulset, .daemonset, .replicaset: "apps"
        case .pod, .node, .persistentvolumeclaim: ""
        case .horizontalpodautoscaler: "autoscaling"
        }
    }

    /// The version kubectl reads and patches: the group's preferred one, autoscaling/v2 for an HPA (v1 knows
    /// only a CPU target).
    public var version: String { self == .horizontalpodautoscaler ? "v2" : "v1" }

    public var plural: String { rawValue + "s" }
    public var isNamespaced: Bool { self != .node }

    /// kubectl's name for the resource in messages: `deployment.apps`, `pod`, `node`.
    public var qualifiedName: String { group.isEmpty ? rawValue : "\(rawValue).\(group)" }

    /// The resource a `KIND/NAME` argument names, accepting kubectl's plural and short forms.
    public init?(kubectlName: String) {
        let aliases: [String: KubeResource] = [
            "deploy": .deployment, "deployments": .deployment, "sts": .statefulset, "statefulsets": .statefulset,
            "ds": .daemonset, "daemonsets": .daemonset, "rs": .replicaset, "replicasets": .replicaset, "po": .pod,
            "pods": .pod, "no": .node, "nodes": .node, "pvc": .persistentvolumeclaim,
            "persistentvolumeclaims": .persistentvolumeclaim, "hpa": .horizontalpodautoscaler,
            "horizontalpodautoscalers": .horizontalpodautoscaler,
        ]
        let name = kubectlName.lowercased().split(separator: ".").first.map(String.init) ?? ""
        guard let resource = KubeResource(rawValue: name) ?? aliases[name] else { return nil }
        self = resource
    }
}

/// One object: its resource, namespace (ignored for cluster-scoped resources) and name.
public struct KubeObjectReference: Sendable, Equatable, Codable, CustomStringConvertible {
    public var resource: KubeResource
    public var namespace: String
    public var name: String

    public init(_ resource: KubeResource, namespace: String = "default", name: String) {
        self.resource = resource
        self.namespace = namespace
        self.name = name
    }

    /// `KIND/NAME` as kubectl takes it (`deployment/web`, `deploy/web`, `node/node-1`, `pvc/data`,
    /// `horizontalpodautoscaler.autoscaling/web`).
    public init?(kubectlArgument: String, namespace: String) {
        let parts = kubectlArgument.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty, let resource = KubeResource(kubectlName: parts[0]) else {
            return nil
        }
        self.init(resource, namespace: namespace, name: parts[1])
    }

    /// The object's API path.
    public var path: String {
        let prefix = resource.group.isEmpty ? "/api/\(resource.version)" : "/apis/\(resource.group)/\(resource.version)"
        let scope = resource.isNamespaced ? "/namespaces/\(namespace)" : ""
        return "\(prefix)\(scope)/\(resource.plural)/\(name)"
    }

    /// `deployment.apps/web`, as kubectl prints an object it acted on.
    public var description: String { "\(resource.qualifiedName)/\(name)" }
}
