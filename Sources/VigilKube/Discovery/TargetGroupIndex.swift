import Foundation

/// What one `kubernetes_sd_configs` entry knows of the cluster, kept so that an event rebuilds only the
/// target groups it touches, as Prometheus's discoverers do (`pod.go`, `endpoints.go`: one group per
/// object, queued by key): a pod event rebuilds that pod's group; an endpoints event that endpoints'
/// group; a service event the endpoints of the same name; a pod event under role `endpoints` the
/// endpoints whose addresses name that pod.
///
/// Role `pod` keeps no objects at all — a pod's targets depend on the pod alone — only the names of the
/// pods that have a group, so that a relist can retire the groups of pods that went meanwhile.
public struct TargetGroupIndex {
    public let role: KubernetesSDConfiguration.Role
    /// Sources (`namespace/name`) of the objects with a group: pods for role `pod`, endpoints for role
    /// `endpoints`.
    private var grouped: Set<String> = []
    /// Role `endpoints`: the objects the targets are joined from, by `namespace/name`.
    private var endpoints: [String: [String: Any]] = [:]
    private var services: [String: [String: Any]] = [:]
    private var pods: [String: [String: Any]] = [:]
    /// Role `endpoints`: the endpoints whose addresses name a pod (pod key → endpoints keys), and back.
    private var endpointsOfPod: [String: Set<String>] = [:]
    private var podsOfEndpoints: [String: Set<String>] = [:]

    public init(role: KubernetesSDConfiguration.Role) {
        self.role = role
    }

    /// Takes one reflector event of `collection`, watched in `namespace` (empty: every namespace), and
    /// returns the groups it changed, each once, in a stable order.
    public mutating func apply(_ event: ReflectorEvent, collection: String, namespace: String) -> [TargetGroup] {
        var changed: [String: [String: Any]?] = [:]
        var listed = false
        switch event {
        case .listed(let items):
            listed = true
            // A (re)list replaces what this namespace's reflector knew, and nothing of the others: what
            // it knew and no longer lists was deleted meanwhile.
            for key in known(collection) where namespace.isEmpty || key.hasPrefix(namespace + "/") {
                changed[key] = .some(nil)
            }
            for item in items { if let (key, object) = Self.keyed(item) { changed[key] = object } }
        case .added(let item), .modified(let item):
            if let (key, object) = Self.keyed(item) { changed[key] = object }
        case .deleted(let item):
            if let (key, _) = Self.keyed(item) { changed[key] = .some(nil) }
        }
        switch (role, collection) {
        case (.pod, _):
            return changed.keys.sorted().map { key in
                let pod = changed[key] ?? nil
                if pod == nil { grouped.remove(key) } else { grouped.insert(key) }
                return TargetGroup(source: "pod/" + key, targets: pod.map(PodTargets.targets(of:)) ?? [])
            }
        case (.endpoints, "endpoints"):
            for (key, object) in changed { endpoints[key] = object }
            return changed.keys.sorted().map { rebuildEndpoints($0) }
        case (.endpoints, "services"):
            for (key, object) in changed { services[key] = object }
            return changed.keys.sorted().filter { endpoints[$0] != nil }.map { rebuildEndpoints($0) }
        default:
            for (key, object) in changed { pods[key] = object }
            // A relist of pods may have changed any pod: rebuild every endpoints that names one.
            let keys =
                listed ? Set(endpointsOfPod.values.joined()) : Set(changed.keys.flatMap { endpointsOfPod[$0] ?? [] })
            return keys.sorted().map { rebuildEndpoints($0) }
        }
    }

    /// The keys of what `collection` holds now.
    private func known(_ collection: String) -> [String] {
        switch (role, collection) {
        case (.pod, _), (.endpoints, "endpoints"): Array(grouped)
        case (.endpoints, "services"): Array(services.keys)
        default: Array(pods.keys)
        }
    }

    /// The group of the endpoints `key` as it now is (empty once deleted), noting which pods it names.
    private mutating func rebuildEndpoints(_ key: String) -> TargetGroup {
        for pod in podsOfEndpoints.removeValue(forKey: key) ?? [] {
            endpointsOfPod[pod]?.remove(key)
            if endpointsOfPod[pod]?.isEmpty == true { endpointsOfPod[pod] = nil }
        }
        guard let object = endpoints[key] else {
            grouped.remove(key)
            return TargetGroup(source: "endpoints/" + key, targets: [])
        }
        grouped.insert(key)
        var named: Set<String> = []
        let pods = self.pods
        let targets = EndpointsTargets.targets(of: object, service: services[key]) { namespace, name in
            let podKey = namespace + "/" + name
            named.insert(podKey)
            return pods[podKey]
        }
        // Named pods are remembered even when not known yet, so that their arrival rebuilds the group.
        podsOfEndpoints[key] = named.isEmpty ? nil : named
        for pod in named { endpointsOfPod[pod, default: []].insert(key) }
        return TargetGroup(source: "endpoints/" + key, targets: targets)
    }

    private static func keyed(_ raw: [UInt8]) -> (String, [String: Any])? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(raw)) as? [String: Any],
            let metadata = object["metadata"] as? [String: Any], let name = metadata["name"] as? String
        else { return nil }
        return ("\(metadata["namespace"] as? String ?? "")/\(name)", object)
    }
}
