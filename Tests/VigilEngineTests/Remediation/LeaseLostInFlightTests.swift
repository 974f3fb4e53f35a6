import Foundation
import Testing
import VigilKube
import VigilRules
import VigilTestKit

@testable import VigilEngine

/// A lease another replica takes over after the leader claimed a change on it, while the change is on
/// its way: the leader records that it lost the lease, exactly one write reaches the object, and the new
/// leader never makes the change again. Undos are claimed as applies are, and every leader's guards
/// count them. Real electors against the fake API server's Leases; time from a manual clock.
struct LeaseLostInFlightTests {
    private static let lease = "/apis/coordination.k8s.io/v1/namespaces/shop/leases/vigil-remediation"
    private static let web = KubeObjectReference(.deployment, namespace: "shop", name: "web")

    /// A real elector, and `afterClaim` run right after each claim it makes: between the claim and the
    /// change it was made for.
    struct Interrupted: RemediationLeadership {
        let elector: LeaderElector<ManualClock>
        let afterClaim: @Sendable (LeaseClaim) async -> Void

        var isLeader: Bool { get async { await elector.isLeader } }
        var anotherDaemonLeads: Bool { get async { await elector.anotherDaemonLeads } }
        func wasApplied(_ proposal: String) async -> Bool { await elector.wasApplied(proposal) }
        var recentClaims: [LeaseClaim] { get async { await elector.recentClaims } }
        func unclaim(_ proposal: String) async { await elector.unclaim(proposal) }
        func confirm() async -> Bool { await elector.confirm() }

        func claim(_ claim: LeaseClaim) async -> LeaseCheck {
            let check = await elector.claim(claim)
            await afterClaim(claim)
            return check
        }
    }

    /// The replica `vigil-1` takes the lease over (the elector that held it has not noticed yet).
    private static func takeLease(_ fixture: RemediationFixture) async {
        try? await fixture.server.control(
            "/__patch",
            #"{"path": "\#(lease)", "patch": {"spec": {"holderIdentity": "vigil-1"}}}"#
        )
    }

    /// `vigil-0`'s remediator, leading, whose Lease `vigil-1` takes right after each claim it makes; and
    /// the clock of its elector.
    private static func leaderLosingItsLease(
        _ fixture: RemediationFixture
    ) async throws -> (Remediator, ManualClock) {
        let clock = ManualClock()
        let elector = fixture.elector("vigil-0", clock)
        #expect(await elector.tryAcquireOrRenew())
        let leadership = Interrupted(elector: elector) { _ in await takeLease(fixture) }
        return (try fixture.remediator(RemediationFixture.applying, leadership: leadership), clock)
    }

    /// `vigil-1`'s remediator, its audit log at `log` (a copy of the first leader's, when given).
    private static func newLeader(
        _ fixture: RemediationFixture,
        _ clock: ManualClock,
        log: String
    ) async throws -> Remediator {
        let elector = fixture.elector("vigil-1", clock)
        #expect(await elector.tryAcquireOrRenew())
        return try fixture.remediator(
            RemediationFixture.applying,
            audit: AuditLog(path: log, environment: [:]),
            leadership: elector
        )
    }

    /// A drain whose Lease is taken after its claim cordons (the claim held), then confirms the Lease
    /// again before its evictions and sends none: a replica that no longer leads evicts nothing (it sent
    /// them all, the Lease confirmed only after).
    @Test func aDrainWhoseLeaseIsTakenAfterItsClaimEvictsNothing() async throws {
        let fixture = try RemediationFixture()
        let (remediator, _) = try await Self.leaderLosingItsLease(fixture)
        let cluster = try await fixture.nodes(20)
        let drain = RemediationFixture.nodeDrained(
            DrainOptions(ignoreDaemonSets: true, deleteEmptyDirData: true, force: true)
        )
        await remediator.round([drain], cluster: cluster)
        let records = try fixture.records()
        #expect(records.map(\.step) == [.proposed, .dryRun, .applying, .failed], "\(records.map(\.step))")
        #expect(
            records.last?.message?.hasSuffix("could not be read): none was sent") == true,
            "\(records.last?.message ?? "")"
        )
        // The cordon went out before: status 0, a change that landed, counted as such.
        #expect(records.last?.response?.status == 0)
        #expect(try await fixture.changes().contains { $0.method == "PATCH" && $0.path == "/api/v1/nodes/node-1" })
        #expect(RemediationLedger(records: records).possiblyCordoned == ["node-1"])
        // The dry run's evictions only (they carry dryRun in their DeleteOptions).
        let evictions = try await fixture.changes().filter { $0.path.hasSuffix("/eviction") }
        #expect(!evictions.isEmpty && evictions.allSatisfy { $0.body?.contains("dryRun") == true }, "\(evictions)")
    }

    @Test func anApplyWhoseLeaseIsTakenAfterItsClaimIsAuditedSentOnceAndNeverRepeated() async throws {
        let fixture = try RemediationFixture()
        let (remediator, clock) = try await Self.leaderLosingItsLease(fixture)
        let incident = RemediationFixture.memoryIncident()
        await remediator.round([incident], cluster: ClusterModel())

        let records = try fixture.records()
        #expect(records.map(\.step) == [.proposed, .dryRun, .applying, .applied])
        #expect(records.last?.reason == "lease-lost")
        #expect(records.last?.message?.contains("the remediation lease was lost while applying") == true)
        #expect(try await fixture.changes().filter { $0.path == Self.web.path }.count == 1)

        // The replica that took the lease over sees the same incident: the claim says it was made.
        let log = fixture.directory.appendingPathComponent("vigil-1.jsonl").path
        let second = try await Self.newLeader(fixture, clock, log: log)
        await second.round([incident], cluster: ClusterModel())
        #expect(try AuditLog.read(path: log).records.last?.reason == "already-applied")
        // And the first replica, no longer leading, sends nothing either.
        await remediator.round([incident], cluster: ClusterModel())
        #expect(try await fixture.changes().filter { $0.path == Self.web.path }.count == 1)
    }

    /// The first leader (`vigil-0`) scales deployment/web from 3 to 6 (not resolved in 60 seconds:
    /// undone), `afterUndoClaim` running right after it claims the undo; the second replica's log is a
    /// copy of the first's as the fix left it, so it would undo the fix too.
    private static func scaled(
        _ fixture: RemediationFixture,
        _ clock: ManualClock,
        afterUndoClaim: @escaping @Sendable () async -> Void = {}
    ) async throws -> (first: Remediator, elector: LeaderElector<ManualClock>, incident: Incident, secondLog: String) {
        let elector = fixture.elector("vigil-0", clock)
        #expect(await elector.tryAcquireOrRenew())
        let leadership = Interrupted(elector: elector) { claim in
            if claim.proposal.hasSuffix("#undo") { await afterUndoClaim() }
        }
        let remediator = try fixture.remediator(RemediationFixture.applying, leadership: leadership)
        let incident = RemediationFixture.incident(
            Subject(kind: "deployment", namespace: "shop", name: "web"),
            cause: "saturation",
            action: .scale(Self.web, replicas: 6),
            name: "scale",
            verify: Playbook.Verification(within: 60, undo: .notResolved)
        )
        await remediator.round([incident], cluster: ClusterModel())
        #expect(try fixture.records().last?.step == .applied)
        let copy = fixture.directory.appendingPathComponent("vigil-1.jsonl").path
        try FileManager.default.copyItem(atPath: fixture.auditPath, toPath: copy)
        return (remediator, elector, incident, copy)
    }

    @Test func anUndoWhoseLeaseIsTakenAfterItsClaimIsAuditedSentOnceAndNeverRepeated() async throws {
        let fixture = try RemediationFixture()
        let clock = ManualClock()
        let (first, _, incident, log) = try await Self.scaled(fixture, clock) { await Self.takeLease(fixture) }
        fixture.advance(61)
        await first.round([incident], cluster: ClusterModel())

        let records = try fixture.records()
        #expect(records.suffix(4).map(\.step) == [.verified, .undoing, .undone, .escalated])
        let undone = try #require(records.first { $0.step == .undone })
        #expect(undone.reason == "lease-lost")
        #expect(undone.message?.contains("the remediation lease was lost while undoing") == true)
        let scales = { try await fixture.changes().filter { $0.path == Self.web.path + "/scale" } }
        #expect(try await scales().count == 2, "the fix and its undo, once each")
        #expect(try await scales().last?.body?.contains(#""spec":{"replicas":3}"#) == true)

        // The new leader, whose log says the fix is still in place, does not undo it again.
        let second = try await Self.newLeader(fixture, clock, log: log)
        await second.round([incident], cluster: ClusterModel())
        let its = try AuditLog.read(path: log).records
        #expect(its.suffix(3).map(\.step) == [.verified, .undone, .escalated])
        #expect(its.first { $0.step == .undone }?.reason == "changed-since")
        #expect(try await scales().count == 2)
    }

    @Test func anUndoClaimedByOneLeaderIsNeverMadeByAnother() async throws {
        let fixture = try RemediationFixture()
        let clock = ManualClock()
        let (first, elector, incident, log) = try await Self.scaled(fixture, clock) {
            // The undo is claimed, then refused by the server (the object moved on meanwhile): not retried.
            try? await fixture.server.control("/__race")
        }
        fixture.advance(61)
        await first.round([incident], cluster: ClusterModel())
        #expect(try fixture.records().first { $0.step == .undone }?.reason == "conflict")
        let lease = try await fixture.object(Self.lease)
        let annotations = try #require((lease["metadata"] as? [String: Any])?["annotations"] as? [String: Any])
        let claims = try JSONDecoder().decode(
            [LeaseClaim].self,
            from: Data(try #require(annotations[LeaseClaim.annotation] as? String).utf8)
        )
        let proposal = incident.proposals[0].id
        #expect(
            claims.last
                == LeaseClaim(
                    proposal: proposal + "#undo",
                    action: "scale",
                    namespace: "shop",
                    target: "deployment/web",
                    at: fixture.now,
                    subject: "deployment/web"
                )
        )
        let writes = { try await fixture.changes().filter { $0.path.hasPrefix(Self.web.path) } }
        #expect(try await writes().count == 2, "the fix and the refused undo")

        // The next leader's log says the fix is in place, and it still is (6 replicas): the lease's claim
        // alone keeps it from undoing it a second time.
        await elector.release()
        let second = try await Self.newLeader(fixture, clock, log: log)
        await second.round([incident], cluster: ClusterModel())
        let its = try AuditLog.read(path: log).records
        #expect(its.suffix(4).map(\.step) == [.verified, .undoing, .refused, .escalated])
        #expect(its.suffix(2).first?.reason == "already-undone")
        #expect(try await writes().count == 2)
    }

    /// The fix of `scaled` comes due for its undo while `holder` (a `vigil diagnose --apply` session,
    /// unless said otherwise) holds the lease. Returns the first replica's elector and the holder's.
    private static func verdictWhileAnotherLeads(
        _ fixture: RemediationFixture,
        _ clock: ManualClock,
        holder: String = LeaderElectionConfiguration.diagnoseSessionPrefix + "laptop/4242",
        silentFor: Duration = .zero
    ) async throws -> (
        first: Remediator, elector: LeaderElector<ManualClock>, other: LeaderElector<ManualClock>, incident: Incident
    ) {
        let (first, elector, incident, _) = try await Self.scaled(fixture, clock)
        await elector.release()
        let other = fixture.elector(holder, clock)
        #expect(await other.tryAcquireOrRenew())
        #expect(await elector.tryAcquireOrRenew() == false, "it reads who holds the lease, as every retry period")
        clock.advance(by: silentFor)
        fixture.advance(61)
        await first.round([incident], cluster: ClusterModel())
        return (first, elector, other, incident)
    }

    /// An undo due while a `vigil diagnose --apply` session holds the lease (or nobody does: a restarted
    /// daemon about to take it back) waits for the lease, within the cooldown: it was refused `not-leader`
    /// and the fix escalated as it stood.
    @Test func anUndoDueWhileAnotherHoldsTheLeaseIsSentOnceTheLeaseIsBack() async throws {
        let fixture = try RemediationFixture()
        let clock = ManualClock()
        let (first, elector, other, incident) = try await Self.verdictWhileAnotherLeads(fixture, clock)
        #expect(try fixture.records().suffix(2).map(\.step) == [.applied, .verified])
        fixture.advance(30)
        await first.round([incident], cluster: ClusterModel())
        #expect(try fixture.records().suffix(2).map(\.step) == [.applied, .verified], "one verdict, no more")
        await other.release()
        #expect(await elector.tryAcquireOrRenew())
        await first.round([incident], cluster: ClusterModel())
        #expect(try fixture.records().suffix(3).map(\.step) == [.undoing, .undone, .escalated])
        #expect(try fixture.records().first { $0.step == .undone }?.reason == "undone")
        let scales = try await fixture.changes().filter { $0.path == Self.web.path + "/scale" }
        #expect(scales.count == 2, "the fix and its undo, once each")
    }

    /// Another daemon leading will not undo this replica's fix: refused and escalated at once, as before.
    @Test func anUndoDueWhileAnotherDaemonLeadsIsEscalatedAtOnce() async throws {
        let fixture = try RemediationFixture()
        let clock = ManualClock()
        _ = try await Self.verdictWhileAnotherLeads(fixture, clock, holder: "vigil-1")
        let records = try fixture.records()
        #expect(records.suffix(4).map(\.step) == [.verified, .undoing, .refused, .escalated])
        #expect(records.suffix(2).first?.reason == "not-leader")
    }

    /// A holder that went silent for its lease's duration (a predecessor that died) is no daemon leading:
    /// the verdict waits, as this replica may take the lease at its next attempt.
    @Test func anUndoDueWhileASilentPredecessorHoldsTheLeaseWaits() async throws {
        let fixture = try RemediationFixture()
        let clock = ManualClock()
        _ = try await Self.verdictWhileAnotherLeads(fixture, clock, holder: "vigil-1", silentFor: .seconds(15))
        #expect(try fixture.records().suffix(2).map(\.step) == [.applied, .verified])
    }

    /// A verdict while its own renewals lapsed past the renew deadline (its own name still on the lease)
    /// waits: the next renewal takes the lease back at once, and the undo is sent.
    @Test func anUndoDueWhileItsOwnRenewalsLapsedWaitsForTheNext() async throws {
        let fixture = try RemediationFixture()
        let clock = ManualClock()
        let (first, elector, incident, _) = try await Self.scaled(fixture, clock)
        clock.advance(by: .seconds(11))
        #expect(await elector.isLeader == false)
        fixture.advance(61)
        await first.round([incident], cluster: ClusterModel())
        #expect(try fixture.records().suffix(2).map(\.step) == [.applied, .verified])
        #expect(await elector.tryAcquireOrRenew())
        await first.round([incident], cluster: ClusterModel())
        #expect(try fixture.records().suffix(3).map(\.step) == [.undoing, .undone, .escalated])
    }

    /// Past the cooldown the fix is escalated as it stands, saying why its undo was not sent.
    @Test func anUndoThatWaitedOutTheCooldownIsEscalatedWithoutIt() async throws {
        let fixture = try RemediationFixture()
        let clock = ManualClock()
        let (first, elector, other, incident) = try await Self.verdictWhileAnotherLeads(fixture, clock)
        fixture.advance(1_801)
        await other.release()
        #expect(await elector.tryAcquireOrRenew())
        await first.round([incident], cluster: ClusterModel())
        let escalated = try #require(try fixture.records().last)
        #expect(escalated.step == .escalated)
        #expect(escalated.message?.contains("while this replica did not hold the remediation lease") == true)
        #expect(try await fixture.changes().filter { $0.path == Self.web.path + "/scale" }.count == 1)
    }

    @Test func everyLeaderCountsAnUndoInItsCooldown() async throws {
        let fixture = try RemediationFixture()
        let clock = ManualClock()
        let (first, elector, incident, _) = try await Self.scaled(fixture, clock)
        fixture.advance(1_801)  // past the fix's own 30-minute cooldown
        await first.round([incident], cluster: ClusterModel())
        #expect(try fixture.records().first { $0.step == .undone }?.reason == "undone")

        // Another replica, with a log of its own, leads next and proposes another fix of the same object.
        fixture.advance(60)
        await elector.release()
        let log = fixture.directory.appendingPathComponent("vigil-2.jsonl").path
        let second = try await Self.newLeader(fixture, clock, log: log)
        let other = RemediationFixture.memoryIncident(cause: "memory-leak")
        await second.round([other], cluster: ClusterModel())
        let records = try AuditLog.read(path: log).records
        #expect(records.last?.reason == "cooldown")
        #expect(records.last?.message?.contains("changed 1m ago") == true, "\(records.last?.message ?? "")")
        #expect(try await fixture.changes().filter { $0.path == Self.web.path }.isEmpty)
    }
}
