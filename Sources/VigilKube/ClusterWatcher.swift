import Foundation

/// Keeps a ``ClusterModel`` current: one ``Reflector`` per kind (pods, replicasets, deployments,
/// statefulsets, daemonsets, nodes, events), cluster-wide, each listing then watching on its own.
public actor ClusterWatcher {
    public private(set) var model: ClusterModel
    let client: KubeClient

    public init(client: KubeClient, model: ClusterModel = ClusterModel()) {
        self.client = client.narrowed(to: .read)
        self.model = model
    }

    /// Watches every kind until the task is cancelled. Events come from events.k8s.io/v1 where the
    /// server offers it (the same stored objects as core/v1, in the newer shape), else from core/v1.
    public func run(kinds: [ClusterModel.Kind] = ClusterModel.Kind.allCases) async {
        let eventsCollection = await Self.eventsCollection(client)
        await withTaskGroup(of: Void.self) { group in
            for kind in kinds {
                let collection = kind == .events ? eventsCollection : kind.collection
                let reflector = Reflector(client: client, collection: collection)
                group.addTask { await reflector.run { event in await self.apply(event, kind: kind) } }
            }
        }
    }

    /// `/apis/events.k8s.io/v1/events` when discovery lists events.k8s.io/v1, else `/api/v1/events`.
    static func eventsCollection(_ client: KubeClient) async -> String {
        let groups = (try? await client.send(KubeRequest(method: "GET", path: "/apis"))).flatMap {
            try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]
        }
        let served = (groups?["groups"] as? [[String: Any]] ?? []).contains { group in
            group["name"] as? String == "events.k8s.io"
                && (group["versions"] as? [[String: Any]] ?? []).contains { $0["version"] as? String == "v1" }
        }
        return served ? "/apis/events.k8s.io/v1/events" : ClusterModel.Kind.events.collection
    }

    private func apply(_ event: ReflectorEvent, kind: ClusterModel.Kind) {
        model.apply(event, kind: kind)
    }
}
