import Testing
import VigilCore
import VigilHTTP
import VigilScrape

@testable import VigilCLI

/// A replica's target set: one group per discovered object, replaced whole on that object's event;
/// another shard's targets are dropped as they arrive; the manager hears of a change only when this
/// shard's share changed.
struct TargetSetTests {
    static func target(_ address: String) -> ScrapeTarget {
        ScrapeTarget(url: "http://\(address)/metrics", job: "pods")
    }

    /// Addresses with known shards under `hashmod` modulus 2 (checked against ``Shard`` first).
    static let addresses = (1...40).map { "10.0.0.\($0):8080" }

    @Test func aGroupReplacesTheSameSourcesTargetsAndOnlyThisShardsAreKept() async throws {
        let manager = ScrapeManager(targets: [], transport: FixedResponseTransport(body: []), store: SeriesStore())
        let shard = try #require(Shard(index: 1, count: 2))
        let set = TargetSet(manager: manager, shard: shard, configured: [])
        let mine = Self.addresses.filter { shard.owns(address: $0) }
        let others = Self.addresses.filter { !shard.owns(address: $0) }
        #expect(mine.count >= 2 && others.count >= 2)

        await set.update(
            job: 0,
            groups: [
                (source: "pod/shop/a", targets: [Self.target(mine[0]), Self.target(others[0])]),
                (source: "pod/shop/b", targets: [Self.target(mine[1])]),
            ]
        )
        #expect(await manager.targets.map(\.instance) == [mine[0], mine[1]])
        // Pod a moves to another address: its group is replaced, b's stays.
        await set.update(job: 0, groups: [(source: "pod/shop/a", targets: [Self.target(others[1])])])
        #expect(await manager.targets.map(\.instance) == [mine[1]])
        // Pod b is deleted: an empty group.
        await set.update(job: 0, groups: [(source: "pod/shop/b", targets: [])])
        #expect(await manager.targets.isEmpty)
    }

    @Test func aGroupOfAnotherShardAloneDoesNotTouchTheManager() async throws {
        let manager = ScrapeManager(targets: [], transport: FixedResponseTransport(body: []), store: SeriesStore())
        let shard = try #require(Shard(index: 0, count: 2))
        let set = TargetSet(manager: manager, shard: shard, configured: [])
        let mine = try #require(Self.addresses.first { shard.owns(address: $0) })
        let other = try #require(Self.addresses.first { !shard.owns(address: $0) })
        await set.update(job: 0, groups: [(source: "pod/shop/a", targets: [Self.target(mine)])])
        // A static target set straight on the manager would be replaced by any publish: it stays
        // while only other shards' groups change, so nothing was published.
        await manager.update(targets: [Self.target(mine), ScrapeTarget(url: "http://marker:1/metrics")])
        await set.update(job: 0, groups: [(source: "pod/shop/x", targets: [Self.target(other)])])
        #expect(await manager.targets.count == 2)
        await set.update(job: 0, groups: [(source: "pod/shop/a", targets: [Self.target(mine)])])
        #expect(await manager.targets.count == 2, "an unchanged group publishes nothing either")
    }

    /// One address listed twice with other labels is two targets, as Prometheus scrapes it and as the
    /// daemon's start scraped it; a reload (which goes through the set) kept only the first.
    @Test func oneAddressWithOtherLabelsIsTwoTargets() async throws {
        let manager = ScrapeManager(targets: [], transport: FixedResponseTransport(body: []), store: SeriesStore())
        let url = "http://127.0.0.1:18080/metrics"
        let configured = [
            ScrapeTarget(url: url, job: "app", labels: ["env": "a"]),
            ScrapeTarget(url: url, job: "app", labels: ["env": "b"]),
            ScrapeTarget(url: url, job: "app", labels: ["env": "a"]),
        ]
        let set = TargetSet(manager: manager, shard: .whole, configured: [])
        await set.update(configured: configured)
        #expect(await manager.targets.map { $0.labels["env"] } == ["a", "b"])
    }
}
