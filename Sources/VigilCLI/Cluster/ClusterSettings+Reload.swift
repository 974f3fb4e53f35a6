extension ClusterSettings {
    /// The `cluster:` fields that differ in `next`, by their paths in the file. None of them can change
    /// live: the shard count is an agreement between every replica (a replica alone changing it would
    /// overlap or leave gaps), and the Lease and its timings are an agreement between every candidate; so a
    /// reload that changes one is refused, and the change is made by a rollout.
    func restartOnlyChanges(to next: ClusterSettings) -> [String] {
        var changed: [String] = []
        if shards != next.shards { changed.append("cluster.shards (\(shards) → \(next.shards))") }
        if shardIndex != next.shardIndex { changed.append("cluster.shard") }
        switch (leaderElection, next.leaderElection) {
        case (nil, nil):
            break
        case (nil, _?):
            changed.append("cluster.leader_election (added)")
        case (_?, nil):
            changed.append("cluster.leader_election (removed)")
        case (let old?, let new?):
            let fields: [(String, Bool)] = [
                ("namespace", old.namespace != new.namespace), ("lease_name", old.leaseName != new.leaseName),
                ("identity", old.identity != new.identity), ("lease_duration", old.leaseDuration != new.leaseDuration),
                ("renew_deadline", old.renewDeadline != new.renewDeadline),
                ("retry_period", old.retryPeriod != new.retryPeriod),
            ]
            changed += fields.filter(\.1).map { "cluster.leader_election.\($0.0)" }
        }
        return changed
    }
}
