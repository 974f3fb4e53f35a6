import Foundation

/// Kubernetes service discovery for one `kubernetes_sd_configs` entry: a ``Reflector`` per collection
/// and namespace keeps the objects current, and after every change the whole target list is handed
/// over, so a target comes with its pod and goes with it (the scrape manager then marks its series stale).
public actor KubernetesDiscovery {
    public nonisolated let configuration: KubernetesSDConfiguration
    private let client: KubeClient
    /// Objects by collection, then by `namespace/name`.
    private var objects: [String: [String: [String: Any]]] = [:]

    public init(client: KubeClient, configuration: KubernetesSDConfiguration) {
        self.client = client
        self.configuration = configuration
    }

    /// Watches until the task is cancelled, handing every new target list to `deliver`.
    public func run(_ deliver: @escaping @Sendable ([DiscoveredTarget]) async -> Void) async {
        let namespaces = configuration.namespaces.isEmpty ? [""] : configuration.namespaces
        await withTaskGroup(of: Void.self) { group in
            for namespace in namespaces {
                for collection in configuration.collections {
                    let path =
                        namespace.isEmpty ? "/api/v1/\(collection)" : "/api/v1/namespaces/\(namespace)/\(collection)"
                    let reflector = Reflector(
                        client: client,
                        collection: path,
                        query: configuration.query(for: collection)
                    )
                    group.addTask {
                        await reflector.run { event in
                            let targets = await self.apply(event, collection: collection, namespace: namespace)
                            await deliver(targets)
                        }
                    }
                }
            }
        }
    }

    /// Takes one reflector event in and returns the targets as they now are.
    func apply(_ event: ReflectorEvent, collection: String, namespace: String) -> [DiscoveredTarget] {
        var known = objects[collection] ?? [:]
        switch event {
        case .listed(let items):
            // A (re)list replaces what this namespace's reflector knew, and nothing of the others.
            known = known.filter { !namespace.isEmpty && !$0.key.hasPrefix(namespace + "/") }
            for item in items { if let (key, object) = Self.keyed(item) { known[key] = object } }
        case .added(let item), .modified(let item):
            if let (key, object) = Self.keyed(item) { known[key] = object }
        case .deleted(let item):
            if let (key, _) = Self.keyed(item) { known[key] = nil }
        }
        objects[collection] = known
        return targets
    }

    /// Every target of the objects known, in a stable order (by object, then as the object lists them).
    public var targets: [DiscoveredTarget] {
        switch configuration.role {
        case .pod:
            return (objects["pods"] ?? [:]).sorted { $0.key < $1.key }.flatMap { PodTargets.targets(of: $0.value) }
        case .endpoints:
            let services = objects["services"] ?? [:]
            let pods = objects["pods"] ?? [:]
            return (objects["endpoints"] ?? [:]).sorted { $0.key < $1.key }.flatMap { key, endpoints in
                EndpointsTargets.targets(of: endpoints, service: services[key]) { pods["\($0)/\($1)"] }
            }
        }
    }

    private static func keyed(_ raw: [UInt8]) -> (String, [String: Any])? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(raw)) as? [String: Any],
            let metadata = object["metadata"] as? [String: Any], let name = metadata["name"] as? String
        else { return nil }
        return ("\(metadata["namespace"] as? String ?? "")/\(name)", object)
    }
}
