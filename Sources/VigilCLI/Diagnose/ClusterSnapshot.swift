import Foundation
import VigilKube

/// The cluster's state at one moment for `vigil diagnose`: every kind the diagnosis reads, listed once
/// (no watch) — in one namespace when one is given, nodes and storage classes cluster-wide — and the
/// events of that namespace.
struct ClusterSnapshot {
    var client: KubeClient
    /// Empty for every namespace.
    var namespace: String

    /// The object kind (`Pod`) each collection holds: list items carry no `kind` of their own.
    static let objectKinds: [ClusterModel.Kind: String] = Dictionary(
        uniqueKeysWithValues: [
            "Pod", "ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Node", "HorizontalPodAutoscaler",
            "PersistentVolumeClaim", "StorageClass", "Job", "CronJob",
        ]
        .compactMap { name in ClusterModel.Kind(objectKind: name).map { ($0, name) } }
    )

    /// Lists everything into a model whose "now" is `now`, keeping events back to `eventWindow` before it.
    func read(now: Double, eventWindow: Double) async throws(KubeError) -> ClusterModel {
        var model = ClusterModel(eventWindow: eventWindow)
        let date = Date(timeIntervalSince1970: now)
        for (kind, objectKind) in Self.objectKinds.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let items = try await client.list(collection(kind), query: [.init("limit", "500")]).items
            model.load(
                items: items.map { item in
                    var item = item
                    item["kind"] = objectKind
                    return item
                },
                now: date
            )
        }
        let events = try await client.list(collection(.events), query: [.init("limit", "500")]).items
        model.load(events: events, now: date)
        return model
    }

    /// The names of pods matching `selector` (`app=web`), as `namespace/name`.
    func pods(matching selector: String) async throws(KubeError) -> [(namespace: String, name: String)] {
        let items = try await client.list(
            collection(.pods),
            query: [.init("labelSelector", selector), .init("limit", "500")]
        ).items
        return items.compactMap { item in
            guard let metadata = item["metadata"] as? [String: Any], let name = metadata["name"] as? String else {
                return nil
            }
            return (metadata["namespace"] as? String ?? namespace, name)
        }
    }

    /// `kind`'s collection, within the namespace for namespaced kinds.
    func collection(_ kind: ClusterModel.Kind) -> String {
        let path = kind.collection
        guard !namespace.isEmpty, kind != .nodes, kind != .storageclasses,
            let slash = path.lastIndex(of: "/")
        else { return path }
        return "\(path[..<slash])/namespaces/\(namespace)\(path[slash...])"
    }
}
