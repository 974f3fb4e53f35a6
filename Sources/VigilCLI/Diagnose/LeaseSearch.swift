import VigilKube

/// Where `vigil diagnose --apply` is given no Lease (`--config`'s `cluster.leader_election`, or `--lease`)
/// and not told there is none (`--no-lease`): Vigil's replicas may lead in the cluster all the same, and
/// applying beside them would skip their claims and their cluster-wide guards — it could restart what the
/// leader just restarted. So the command looks, in every namespace, for a Lease of the name the replicas
/// use by default, takes part in the one it finds, and refuses when it cannot tell or finds several.
enum LeaseSearch {
    /// Why `--apply` does not go ahead without a named Lease.
    struct Undecided: Error, CustomStringConvertible {
        var description: String
    }

    /// The election to take part in: the one Lease of `settings.leaseName` found, timed as `settings`; nil
    /// when there is none in the cluster.
    static func election(
        kube: KubeClient,
        settings: ClusterSettings.LeaderElectionSettings = .init()
    ) async throws -> LeaderElectionConfiguration? {
        let name = settings.leaseName
        let found: [String]
        do {
            // The field selector keeps the answer small (every node has a Lease in kube-node-lease); the
            // name is checked here too.
            let list = try await kube.list(
                "/apis/coordination.k8s.io/v1/leases",
                query: [.init("fieldSelector", "metadata.name=\(name)")]
            )
            found = list.items.compactMap { lease in
                let metadata = lease["metadata"] as? [String: Any]
                guard metadata?["name"] as? String == name else { return nil }
                return metadata?["namespace"] as? String
            }
        } catch {
            throw Undecided(
                description: "--apply refused: cannot tell whether Vigil's replicas lead in this cluster (listing "
                    + "Leases named \(name) in every namespace: \(error.description)); nothing was sent. Give "
                    + "--lease NAMESPACE/NAME (or --config with cluster.leader_election) to take part in their "
                    + "election, or --no-lease if no Vigil replicas apply fixes in this cluster."
            )
        }
        guard found.count <= 1 else {
            throw Undecided(
                description: "--apply refused: Leases named \(name) in several namespaces ("
                    + found.sorted().map { "\($0)/\(name)" }.joined(separator: ", ")
                    + "); nothing was sent. Name the one whose "
                    + "replicas act on these workloads with --lease NAMESPACE/NAME."
            )
        }
        guard let namespace = found.first else { return nil }
        var chosen = settings
        chosen.namespace = namespace
        return chosen.configuration(identity: "")
    }
}
