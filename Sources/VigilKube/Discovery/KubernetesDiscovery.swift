/// Kubernetes service discovery for one `kubernetes_sd_configs` entry: a ``Reflector`` per collection
/// and namespace keeps up with the cluster, and every event hands over the target groups it changed —
/// one group per object, as Prometheus's discoverers send them — so a target comes with its pod and goes
/// with it (the scrape manager then marks its series stale), and an event costs the objects it touches,
/// not the whole cluster.
public actor KubernetesDiscovery {
    public nonisolated let configuration: KubernetesSDConfiguration
    let client: KubeClient
    private var index: TargetGroupIndex

    /// `client` is kept narrowed to reads: discovery lists and watches, nothing more.
    public init(client: KubeClient, configuration: KubernetesSDConfiguration) {
        self.client = client.narrowed(to: .read)
        self.configuration = configuration
        index = TargetGroupIndex(role: configuration.role)
    }

    /// Watches until the task is cancelled, handing the groups each event changed to `deliver` (a list
    /// hands over one group per object listed, and an empty group for each object gone since the last).
    public func run(_ deliver: @escaping @Sendable ([TargetGroup]) async -> Void) async {
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
                            let changed = await self.apply(event, collection: collection, namespace: namespace)
                            if !changed.isEmpty { await deliver(changed) }
                        }
                    }
                }
            }
        }
    }

    /// Takes one reflector event in and returns the groups it changed.
    func apply(_ event: ReflectorEvent, collection: String, namespace: String) -> [TargetGroup] {
        index.apply(event, collection: collection, namespace: namespace)
    }
}
