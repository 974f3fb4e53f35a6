import Foundation
import Testing
import VigilKube
import VigilRules
import VigilTestKit

@testable import VigilEngine

/// With several replicas only the holder of the remediation Lease applies, and it asks the API server
/// again just before each change, because leader election alone does not fence. Real electors against
/// the fake API server's Leases; time from a manual clock.
struct LeaderGateTests {
    private static let deployment = "/apis/apps/v1/namespaces/shop/deployments/web"
    private static let lease = "/apis/coordination.k8s.io/v1/namespaces/shop/leases/vigil-remediation"

    @Test func theLeaderApplies() async throws {
        let fixture = try RemediationFixture()
        let leader = fixture.elector("vigil-0", ManualClock())
        #expect(await leader.tryAcquireOrRenew())
        let remediator = try fixture.remediator(RemediationFixture.applying, leadership: leader)
        await remediator.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())

        #expect(try fixture.records().map(\.step) == [.proposed, .dryRun, .applying, .applied])
        #expect(try await fixture.changes().filter { $0.path == Self.deployment }.count == 1)
    }

    /// A claim carries the time of its change, not the time the guards read before the dry run: a drain's
    /// dry run may take minutes, and the other replicas' cooldowns and rate limit count from the claim (it
    /// was that much early). Here two minutes pass after the guards read the clock.
    @Test func aClaimCarriesTheTimeOfTheChange() async throws {
        let fixture = try RemediationFixture()
        let leadership = ClaimRecorder { fixture.advance(120) }
        let remediator = try fixture.remediator(RemediationFixture.applying, leadership: leadership)
        let started = fixture.now
        await remediator.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())

        let applying = try #require(try fixture.records().first { $0.step == .applying })
        let claim = try #require(await leadership.claims.first)
        #expect(claim.at == started + 120, "\(claim.at - started)")
        #expect(Timestamp.seconds(applying.time) == claim.at)
    }

    /// The leader that records its claims; `readingClaims` runs when the guards read the recent ones.
    private actor ClaimRecorder: RemediationLeadership {
        let readingClaims: @Sendable () -> Void
        private(set) var claims: [LeaseClaim] = []

        init(readingClaims: @escaping @Sendable () -> Void) { self.readingClaims = readingClaims }

        var isLeader: Bool { true }
        var anotherDaemonLeads: Bool { false }
        func wasApplied(_ proposal: String) -> Bool { false }
        var recentClaims: [LeaseClaim] {
            readingClaims()
            return []
        }
        func claim(_ claim: LeaseClaim) -> LeaseCheck {
            claims.append(claim)
            return .held
        }
        func unclaim(_ proposal: String) {}
        func confirm() -> Bool { true }
    }

    @Test func aReplicaWithoutTheLeaseProposesButNeverApplies() async throws {
        let fixture = try RemediationFixture()
        let clock = ManualClock()
        #expect(await fixture.elector("vigil-0", clock).tryAcquireOrRenew())
        let follower = fixture.elector("vigil-1", clock)
        #expect(await follower.tryAcquireOrRenew() == false)
        let remediator = try fixture.remediator(RemediationFixture.applying, leadership: follower)
        await remediator.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())
        await remediator.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())

        let records = try fixture.records()
        // Proposed, refused once (the same refusal is not repeated every round), nothing sent.
        #expect(records.map(\.step) == [.proposed, .refused])
        #expect(records.last?.reason == "not-leader")
        #expect(try await fixture.changes().filter { $0.path == Self.deployment }.isEmpty)
    }

    @Test func aLeaseLostBeforeTheChangeIsAuditedAndNothingIsSent() async throws {
        let fixture = try RemediationFixture()
        let clock = ManualClock()
        let leader = fixture.elector("vigil-0", clock)
        #expect(await leader.tryAcquireOrRenew())
        // Another replica took the lease over; this one has not noticed yet (no renewal since).
        try await fixture.server.control(
            "/__patch",
            #"{"path": "\#(Self.lease)", "patch": {"spec": {"holderIdentity": "vigil-2"}}}"#
        )
        #expect(await leader.isLeader)
        let remediator = try fixture.remediator(RemediationFixture.applying, leadership: leader)
        await remediator.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())

        let records = try fixture.records()
        #expect(records.map(\.step) == [.proposed, .dryRun, .applying, .refused])
        #expect(records.last?.reason == "lease-lost")
        #expect(try await fixture.changes().filter { $0.path == Self.deployment }.isEmpty)
        // Not settled: the next round, as a follower, refuses it as not the leader's (and would hand it
        // over), where a settled proposal would be dropped for good.
        #expect(await remediator.ledger.inFlight.isEmpty)
        #expect(await !remediator.ledger.settled.contains(RemediationFixture.memoryIncident().proposals[0].id))
        clock.advance(by: .seconds(11))  // past the renew deadline: it knows it no longer leads
        await remediator.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())
        #expect(try fixture.records().last?.reason == "not-leader")
        #expect(try await fixture.changes().filter { $0.path == Self.deployment }.isEmpty)
    }

    @Test func aNewLeaderDoesNotApplyAgainWhatTheOldOneApplied() async throws {
        let fixture = try RemediationFixture()
        let clock = ManualClock()
        let old = fixture.elector("vigil-0", clock)
        #expect(await old.tryAcquireOrRenew())
        let first = try fixture.remediator(RemediationFixture.applying, leadership: old)
        await first.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())
        let lease = try await fixture.object(Self.lease)
        let annotations = (lease["metadata"] as? [String: Any])?["annotations"] as? [String: Any]
        let proposal = RemediationFixture.memoryIncident().proposals[0].id
        #expect(annotations?["vigil.dev/applied-proposals"] as? String == proposal)

        // The old leader goes; another replica, with its own audit log, takes over and sees the same incident.
        await old.release()
        let new = fixture.elector("vigil-1", clock)
        #expect(await new.tryAcquireOrRenew())
        let otherLog = fixture.directory.appendingPathComponent("other.jsonl").path
        let second = try fixture.remediator(
            RemediationFixture.applying,
            audit: AuditLog(path: otherLog, environment: [:]),
            leadership: new
        )
        await second.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())

        let records = try AuditLog.read(path: otherLog).records
        #expect(records.map(\.step) == [.proposed, .refused])
        #expect(records.last?.reason == "already-applied")
        #expect(try await fixture.changes().filter { $0.path == Self.deployment }.count == 1)
    }

    @Test func aReplicaThatLostTheLeaseRefusesToUndoAndEscalates() async throws {
        let fixture = try RemediationFixture()
        // A limit to go back to, so the undo has a plan.
        try await fixture.server.control(
            "/__patch",
            #"{"path": "\#(Self.deployment)", "patch": {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "shop/web:1.1", "resources": {"limits": {"memory": "512Mi"}}}]}}}}}"#
        )
        let leader = fixture.elector("vigil-0", ManualClock())
        #expect(await leader.tryAcquireOrRenew())
        let incident = RemediationFixture.memoryIncident(verify: Playbook.Verification(within: 60, undo: .notResolved))
        let remediator = try fixture.remediator(RemediationFixture.applying, leadership: leader)
        await remediator.round([incident], cluster: ClusterModel())
        #expect(try fixture.records().last?.step == .applied)
        let changes = try await fixture.changes().filter { $0.path == Self.deployment }.count

        // Another replica took the lease over; at the end of the window the fix did not help.
        try await fixture.server.control(
            "/__patch",
            #"{"path": "\#(Self.lease)", "patch": {"spec": {"holderIdentity": "vigil-2"}}}"#
        )
        fixture.advance(61)
        await remediator.round([incident], cluster: ClusterModel())

        let records = try fixture.records()
        // On record before the claim (as an apply's `applying` is), then closed by the refusal.
        #expect(records.suffix(4).map(\.step) == [.verified, .undoing, .refused, .escalated])
        #expect(records.suffix(2).first?.reason == "not-leader")
        #expect(try await fixture.changes().filter { $0.path == Self.deployment }.count == changes, "no undo sent")
    }
}
