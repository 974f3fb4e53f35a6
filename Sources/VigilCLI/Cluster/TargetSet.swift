import VigilScrape

/// Everything this replica scrapes: the configured (static) targets and each discovery job's latest
/// targets, restricted to this replica's ``Shard``, handed to the scrape manager whenever either side
/// changes (a reload, a pod coming or going). A target that leaves the set has its series marked stale
/// by the manager.
actor TargetSet {
    private let manager: ScrapeManager
    let shard: Shard
    private var configured: [ScrapeTarget]
    private var discovered: [Int: [ScrapeTarget]] = [:]

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

    /// Discovery job `job` found `targets` (already relabelled).
    func update(job: Int, discovered targets: [ScrapeTarget]) async {
        guard discovered[job] != targets else { return }
        discovered[job] = targets
        await publish()
    }

    /// This replica's targets: every distinct target whose address hashes into its shard.
    var owned: [ScrapeTarget] {
        var seen: Set<String> = []
        return (configured + discovered.keys.sorted().flatMap { discovered[$0] ?? [] }).filter { target in
            shard.owns(address: target.instance) && seen.insert(target.url + "|" + target.job).inserted
        }
    }

    private func publish() async {
        await manager.update(targets: owned)
    }
}
