import Foundation
import Testing
import VigilKube
import VigilRules
import VigilTestKit

@testable import VigilEngine

/// After a handover the new leader's audit log is not the old one's, yet the guards that span the
/// cluster — the hourly rate limit and an object's cooldown — count what the old leader did: every claim
/// is kept on the Lease with its object and time.
struct ClusterWideGuardsTests {
    private static let lease = "/apis/coordination.k8s.io/v1/namespaces/shop/leases/vigil-remediation"

    /// The old leader applies the memory fix to deployment/web, then releases the lease to `vigil-1`,
    /// which has an audit log of its own.
    private static func handedOver(
        _ fixture: RemediationFixture,
        policy: RemediationPolicy
    ) async throws -> (Remediator, String) {
        let clock = ManualClock()
        let old = LeaderElector(
            configuration: LeaderElectionConfiguration(namespace: "shop", identity: "vigil-0"),
            client: fixture.kube,
            clock: clock
        )
        #expect(await old.tryAcquireOrRenew())
        let first = try fixture.remediator(policy, leadership: old)
        await first.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())
        #expect(try fixture.records().last?.step == .applied)
        await old.release()
        let new = LeaderElector(
            configuration: LeaderElectionConfiguration(namespace: "shop", identity: "vigil-1"),
            client: fixture.kube,
            clock: clock
        )
        #expect(await new.tryAcquireOrRenew())
        let log = fixture.directory.appendingPathComponent("vigil-1.jsonl").path
        let second = try fixture.remediator(policy, audit: AuditLog(path: log, environment: [:]), leadership: new)
        return (second, log)
    }

    @Test func theLeaseRecordsEachClaimWithItsObjectAndTime() async throws {
        let fixture = try RemediationFixture()
        _ = try await Self.handedOver(fixture, policy: RemediationFixture.applying)
        let lease = try await fixture.object(Self.lease)
        let annotations = try #require((lease["metadata"] as? [String: Any])?["annotations"] as? [String: Any])
        let claims = try JSONDecoder().decode(
            [LeaseClaim].self,
            from: Data(try #require(annotations[LeaseClaim.annotation] as? String).utf8)
        )
        let proposal = RemediationFixture.memoryIncident().proposals[0]
        #expect(
            claims == [
                LeaseClaim(
                    proposal: proposal.id,
                    action: "set-resources",
                    namespace: "shop",
                    target: "deployment/web",
                    at: fixture.now,
                    subject: "deployment/web"
                )
            ]
        )
    }

    @Test func theNewLeaderKeepsTheOldOnesCooldown() async throws {
        let fixture = try RemediationFixture()
        let (second, log) = try await Self.handedOver(fixture, policy: RemediationFixture.applying)
        fixture.advance(600)  // within the 30-minute cooldown
        // Another incident of the same workload (another cause): its own proposal, the same object.
        let other = RemediationFixture.memoryIncident(limit: "1Gi", cause: "memory-leak")
        await second.round([other], cluster: ClusterModel())
        let records = try AuditLog.read(path: log).records
        #expect(records.map(\.step) == [.proposed, .refused])
        #expect(records.last?.reason == "cooldown")
        #expect(records.last?.message?.contains("changed 10m ago") == true, "\(records.last?.message ?? "")")
        #expect(try await fixture.changes().filter { $0.path.hasSuffix("/deployments/web") }.count == 1)
    }

    @Test func theNewLeaderCountsTheOldOnesChangesAgainstTheRateLimit() async throws {
        let fixture = try RemediationFixture()
        var policy = RemediationFixture.applying
        policy.maxActions = 1
        let (second, log) = try await Self.handedOver(fixture, policy: policy)
        fixture.advance(60)
        let statefulSet = KubeObjectReference(.statefulset, namespace: "shop", name: "web")
        let other = RemediationFixture.incident(
            Subject(kind: "statefulset", namespace: "shop", name: "web"),
            cause: "memory-limit",
            action: .setResources(statefulSet, container: "app", limits: ["memory": "768Mi"], requests: [:]),
            name: "set-resources"
        )
        await second.round([other], cluster: ClusterModel())
        let records = try AuditLog.read(path: log).records
        #expect(records.last?.reason == "rate-limit")
        #expect(try await fixture.changes().filter { $0.path.hasSuffix("/statefulsets/web") }.isEmpty)
        // An hour after the old leader's change, the window has room again.
        fixture.advance(3_600)
        await second.round([other], cluster: ClusterModel())
        #expect(try AuditLog.read(path: log).records.last?.step == .applied)
    }
}
