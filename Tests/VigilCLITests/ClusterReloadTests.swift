import Foundation
import Testing
import VigilCore
import VigilHTTP
import VigilScrape
import VigilServer

@testable import VigilCLI

/// A reload never half-applies `cluster:`: a change there is refused by name (it needs every replica
/// restarted together), and the running configuration, targets included, stays.
struct ClusterReloadTests {
    static let running = """
        cluster:
          shards: 3
          shard: 0
          leader_election: {namespace: shop, lease_duration: 15s}
        scrape_configs:
          - job_name: a
            static_configs: [{targets: ['a:1']}]

        """

    @Test func aClusterChangeIsRefusedByNameAndNothingChanges() async throws {
        let file = try temporaryFile(Self.running, suffix: ".yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        let (reloader, manager) = try testReloader(file)
        try Self.running
            .replacingOccurrences(of: "shards: 3", with: "shards: 4")
            .replacingOccurrences(of: "lease_duration: 15s", with: "lease_duration: 20s")
            .replacingOccurrences(of: "a:1", with: "b:1")
            .write(to: file, atomically: true, encoding: .utf8)
        guard case .failure(let refusal) = await reloader.reload(trigger: "test") else {
            Issue.record("a reload changing cluster: was applied")
            return
        }
        #expect(
            refusal.message
                == "configuration reload refused: cluster.shards (3 → 4), cluster.leader_election.lease_duration "
                + "cannot change while running; change it on every replica with a restart (kubectl rollout "
                + "restart statefulset/vigil)"
        )
        #expect(await manager.targets.map(\.url) == ["http://a:1/metrics"], "the running targets stay")
    }

    @Test(arguments: [
        ("leader_election: {namespace: shop, lease_duration: 15s}", "", "cluster.leader_election (removed)"),
        ("namespace: shop", "namespace: vigil", "cluster.leader_election.namespace"),
        ("shard: 0", "shard: 1", "cluster.shard"),
    ])
    func eachClusterFieldIsNamed(old: String, new: String, named: String) async throws {
        let file = try temporaryFile(Self.running, suffix: ".yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        let (reloader, _) = try testReloader(file)
        try Self.running.replacingOccurrences(of: old, with: new).write(to: file, atomically: true, encoding: .utf8)
        guard case .failure(let refusal) = await reloader.reload(trigger: "test") else {
            Issue.record("a reload changing \(named) was applied")
            return
        }
        #expect(refusal.message.hasPrefix("configuration reload refused: \(named) cannot change while running"))
    }

    @Test func theSameClusterSettingsReloadTheRest() async throws {
        let file = try temporaryFile(Self.running, suffix: ".yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        let (reloader, manager) = try testReloader(file)
        try Self.running.replacingOccurrences(of: "a:1", with: "b:1").write(to: file, atomically: true, encoding: .utf8)
        guard case .success = await reloader.reload(trigger: "test") else {
            Issue.record("a reload that left cluster: alone was refused")
            return
        }
        #expect(await manager.targets.map(\.url) == ["http://b:1/metrics"])
    }
}
