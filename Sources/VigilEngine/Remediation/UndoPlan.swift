import VigilKube

/// How to take an applied fix back, worked out from the object as it was read before the change and kept
/// in the `applied` audit record, so that an undo after a restart needs nothing else: the previous memory
/// limit, replica count or HPA maximum; the revision to roll forward to; uncordoning a node Vigil
/// cordoned. A restart, a deleted pod or an expanded volume cannot be taken back (nil).
public struct UndoPlan: Codable, Sendable, Equatable {
    /// `set-resources`, `scale`, `set-hpa-max`, `undo`, `uncordon`.
    public var action: String
    public var parameters: [String: String]
    /// The UID of the object the fix changed. An object deleted and made again under the same name since
    /// (a node that registered again, a deployment re-created) is another object, whose fields are not
    /// Vigil's to take back, even where they hold what the fix set. Nil in a plan recorded before this
    /// field existed: then the fields alone are checked.
    public var uid: String?

    public init(action: String, parameters: [String: String] = [:], uid: String? = nil) {
        self.action = action
        self.parameters = parameters
        self.uid = uid
    }

    /// The plan for `action`, from `before` (the object as read, JSON), or nil when it cannot be undone.
    public static func plan(for action: KubeAction, before: [String: Any]) -> UndoPlan? {
        var plan = steps(for: action, before: before)
        plan?.uid = (before["metadata"] as? [String: Any])?["uid"] as? String
        return plan
    }

    /// The plan's action and parameters, before the object's UID is added.
    private static func steps(for action: KubeAction, before: [String: Any]) -> UndoPlan? {
        let spec = before["spec"] as? [String: Any] ?? [:]
        switch action {
        case .setResources(_, let container, let limits, _):
            guard limits.count == 1, let (resource, _) = limits.first,
                let existing = KubeAction.containers(of: before).first(where: {
                    container == nil || $0["name"] as? String == container
                }),
                let name = existing["name"] as? String,
                let previous = ((existing["resources"] as? [String: Any])?["limits"] as? [String: Any])?[resource]
                    as? String
            else { return nil }
            return UndoPlan(action: "set-resources", parameters: ["container": name, "\(resource)_limit": previous])
        case .scale:
            guard let replicas = spec["replicas"] as? Int else { return nil }
            return UndoPlan(action: "scale", parameters: ["replicas": String(replicas)])
        case .setHPAMax:
            guard let maximum = spec["maxReplicas"] as? Int else { return nil }
            return UndoPlan(action: "set-hpa-max", parameters: ["max_replicas": String(maximum)])
        case .undo:
            let annotations = (before["metadata"] as? [String: Any])?["annotations"] as? [String: Any]
            guard let revision = annotations?["deployment.kubernetes.io/revision"] as? String else { return nil }
            return UndoPlan(action: "undo", parameters: ["to_revision": revision])
        case .cordon, .drain:
            // A node that was cordoned already is left as it was found.
            guard spec["unschedulable"] as? Bool != true else { return nil }
            return UndoPlan(action: "uncordon")
        default:
            return nil
        }
    }

    /// The action that undoes the fix on `target` (`deployment/web`) in `namespace`, or nil for a plan
    /// this version cannot read.
    public func kubeAction(target: String, namespace: String) -> KubeAction? {
        let parts = target.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        if action == "uncordon" { return parts[0] == "node" ? .uncordon(node: parts[1]) : nil }
        guard let resource = KubeResource(rawValue: parts[0]) else { return nil }
        let object = KubeObjectReference(resource, namespace: namespace, name: parts[1])
        switch action {
        case "set-resources":
            guard let container = parameters["container"],
                let (key, value) = parameters.first(where: { $0.key.hasSuffix("_limit") })
            else { return nil }
            return .setResources(
                object,
                container: container,
                limits: [String(key.dropLast("_limit".count)): value],
                requests: [:]
            )
        case "scale":
            return parameters["replicas"].flatMap(Int.init).map { .scale(object, replicas: $0) }
        case "set-hpa-max":
            return parameters["max_replicas"].flatMap(Int.init).map { .setHPAMax(object, maxReplicas: $0) }
        case "undo":
            return parameters["to_revision"].flatMap(Int.init).map { .undo(object, toRevision: $0) }
        default:
            return nil
        }
    }
}
