/// Keeps a ``ClusterModel`` current: one ``Reflector`` per kind (pods, replicasets, deployments,
/// statefulsets, daemonsets, nodes, events), cluster-wide, each listing then watching on its own.
public actor ClusterWatcher {
    public private(set) var model: ClusterModel
    private let client: KubeClient

    public init(client: KubeClient, model: ClusterModel = ClusterModel()) {
        self.client = client
        self.model = model
    }

    /// Watches every kind until the task is cancelled.
    public func run(kinds: [ClusterModel.Kind] = ClusterModel.Kind.allCases) async {
        await withTaskGroup(of: Void.self) { group in
            for kind in kinds {
                let reflector = Reflector(client: client, collection: kind.collection)
                group.addTask { await reflector.run { event in await self.apply(event, kind: kind) } }
            }
        }
    }

    private func apply(_ event: ReflectorEvent, kind: ClusterModel.Kind) {
        model.apply(event, kind: kind)
    }
}
