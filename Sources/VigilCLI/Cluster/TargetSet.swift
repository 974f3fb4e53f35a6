import VigilScrape

/// Everything this replica scrapes: the configured (static) targets and each discovery job's target
/// groups (one per Kubernetes object), restricted to this replica's ``Shard``, handed to the scrape
/// manager whenever either side changes (a reload, a pod coming or going). A target that leaves the set
/// has its series marked stale by the manager.
///
/// A discovered target of another shard is dropped as it arrives, never kept: the shard depends on the
/// relabelled target's address alone, so no later event of another object can make it this replica's.
actor TargetSet {
    private let manager: ScrapeManager
    let shard: Shard
    private var configured: [ScrapeTarget]
    /// This shard's discovered targets, by discovery job, then by group source.
    private var discovered: [Int: [String: [ScrapeTarget]]] = [:]

    init(manager: ScrapeManager, shard: Shard, configured: [ScrapeTarget]) {
        self.manager = manager
        self.shard = shard
        self.configured = configured
    }

    /// The configured targets changed (a reload).
    func update(configured targets: [ScrapeTarget]) async {
        configured = targets
        await publish()
    }

    /// Discovery job `job` rebuilt some groups (their targets already relabelled); each replaces the
    /// group of the same source, an empty one removes it. Publishes only when this shard's share changed.
    func update(job: Int, groups: [(source: String, targets: [ScrapeTarget])]) async {
        var changed = false
        for (source, targets) in groups {
            let owned = targets.filter { shard.owns(address: $0.instance) }
            guard discovered[job]?[source] ?? [] != owned else { continue }
            discovered[job, default: [:]][source] = owned.isEmpty ? nil : owned
            changed = true
        }
        if changed { await publish() }
    }

    /// This replica's targets: every distinct target whose address hashes into its shard, configured
    /// first, then by job and group source (a stable order). Distinct as Prometheus's scrape pool tells
    /// targets apart, by URL and labels: one address listed twice with other labels (or a pod behind two
    /// Services) is two targets, as the daemon's start scrapes it; a reload kept only the first.
    var owned: [ScrapeTarget] {
        var seen: Set<Identity> = []
        let found = discovered.keys.sorted().flatMap { job in
            let groups = discovered[job] ?? [:]
            return groups.keys.sorted().flatMap { groups[$0] ?? [] }
        }
        return (configured.filter { shard.owns(address: $0.instance) } + found).filter { target in
            seen.insert(Identity(url: target.url, labels: target.targetLabels.map { [$0.name, $0.value] })).inserted
        }
    }

    private struct Identity: Hashable {
        var url: String
        var labels: [[String]]
    }

    private func publish() async {
        await manager.update(targets: owned)
    }
}
