import Foundation
import Testing
import VigilKube
import VigilRules
import VigilTestKit

@testable import VigilEngine

/// The daemon and `vigil diagnose --apply` sharing a state directory: two remediators on one audit log,
/// each started before the other acted. Each round takes the directory's turn (``RemediationTurn``) and
/// first reads what the other appended, so the guards count the other's changes, and nothing the other is
/// in the middle of is judged.
@Suite struct SharedStateDirectoryTests {
    /// What one applied the other never sends again, and it counts towards the other's rate limit.
    @Test func whatAnotherProcessAppliedIsNeverSentAgainAndCountsTowardsTheGuards() async throws {
        let fixture = try RemediationFixture()
        var policy = RemediationFixture.applying
        policy.maxActions = 1
        let daemon = try fixture.remediator(policy)
        let diagnose = try fixture.remediator(policy)
        let web = RemediationFixture.memoryIncident()
        await daemon.round([web], cluster: ClusterModel())
        #expect(try await fixture.changes().count == 1)
        let onRecord = try fixture.records().count

        let api = RemediationFixture.memoryIncident("api")
        await diagnose.round([web, api], cluster: ClusterModel())
        #expect(try await fixture.changes().count == 1)
        let added = try fixture.records().dropFirst(onRecord)
        #expect(added.allSatisfy { $0.proposal == api.proposals[0].id })
        #expect(added.map(\.step) == [.proposed, .refused])
        #expect(added.last?.reason == "rate-limit")
    }

    /// An `applying` written in another process's turn may still be on the wire: it is not reconciled,
    /// and nothing is sent or approved, until that turn ends; then the answer the other recorded settles
    /// it, and nothing is sent again.
    @Test func anApplyInAnotherProcessesTurnIsLeftToIt() async throws {
        let fixture = try RemediationFixture()
        let incident = RemediationFixture.memoryIncident()
        let diagnose = try fixture.remediator(RemediationFixture.applying)
        let other = try RemediationTurn(beside: fixture.auditPath)
        #expect(try other.take())
        let daemon = try AuditLog(path: fixture.auditPath, environment: [:])
        let applying = fixture.unansweredApply(of: incident)
        try daemon.append(applying)

        await diagnose.round([incident], cluster: ClusterModel())
        #expect(try fixture.records().count == 1)
        #expect(try await fixture.server.log().isEmpty)
        guard case .failure(let refusal) = await diagnose.approve(incident.proposals[0].id, by: "alice", seen: nil)
        else {
            Issue.record("approved during another process's turn")
            return
        }
        #expect(refusal.reason == "busy")
        guard case .failure(let refused) = await diagnose.reject(incident.proposals[0].id, by: "bob", reason: nil)
        else {
            Issue.record("rejected during another process's turn")
            return
        }
        #expect(refused.reason == "busy")

        // The other's change lands and its answer is recorded; its turn ends.
        try await fixture.landUnansweredApply()
        var applied = applying
        applied.step = .applied
        applied.request = nil
        try daemon.append(applied)
        other.end()
        fixture.advance(60)
        await diagnose.round([incident], cluster: ClusterModel())
        #expect(try fixture.records().map(\.step) == [.applying, .applied])
        #expect(try await fixture.changes().isEmpty)
    }

    /// A round that cannot take its turn shows each proposal's dry run as last made.
    @Test func aRoundWithoutItsTurnShowsTheDryRunsItMadeBefore() async throws {
        let fixture = try RemediationFixture()
        let daemon = try fixture.remediator(RemediationPolicy())
        let incident = RemediationFixture.memoryIncident(autonomy: .propose)
        let made = await daemon.round([incident], cluster: ClusterModel())
        #expect(made[0].proposals[0].dryRun?.isAccepted == true)
        let other = try RemediationTurn(beside: fixture.auditPath)
        #expect(try other.take())
        let records = try fixture.records().count
        let shown = await daemon.round([incident], cluster: ClusterModel())
        #expect(try fixture.records().count == records)
        #expect(shown[0].proposals[0].dryRun == made[0].proposals[0].dryRun)
    }

    /// A round waits for another process's turn to end, up to its limit, and then gives up.
    @Test(arguments: [true, false])
    func aRoundWaitsForAnotherProcessesTurn(ends: Bool) async throws {
        let fixture = try RemediationFixture()
        let other = try RemediationTurn(beside: fixture.auditPath)
        #expect(try other.take())
        let waits = Waits()
        let diagnose = try fixture.remediator(RemediationFixture.applying, turnWait: .seconds(30)) { pause in
            // The other's round ends while this one waits its third pause.
            if waits.add(pause) == 3, ends { other.end() }
        }
        await diagnose.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())
        let missed = fixture.counted("vigil_remediation_turns_missed_total", [("reason", "busy")])
        if ends {
            #expect(waits.total == .milliseconds(750))
            #expect(try fixture.records().last?.step == .applied)
            #expect(missed == 0)
        } else {
            #expect(waits.total == .seconds(30))
            #expect(try fixture.records().isEmpty)
            #expect(missed == 1)
        }
    }

    /// Two processes that reach one log by different paths, one through a link to it, take one turn:
    /// while the one naming it directly holds the turn, the other applies nothing.
    @Test func processesThatNameOneLogByDifferentPathsShareItsTurn() async throws {
        let fixture = try RemediationFixture()
        let other = try RemediationTurn(beside: fixture.auditPath)
        #expect(try other.take())
        _ = try AuditLog(path: fixture.auditPath, environment: [:])
        let elsewhere = try TemporaryDirectory("link")
        let linked = elsewhere.file("audit.jsonl").path
        try FileManager.default.createSymbolicLink(atPath: linked, withDestinationPath: fixture.auditPath)
        let diagnose = try fixture.remediator(
            RemediationFixture.applying,
            audit: AuditLog(path: linked, environment: [:])
        )
        await diagnose.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())
        #expect(try fixture.records().isEmpty)
        #expect(try await fixture.server.log().isEmpty)
    }

    /// The pauses a remediator made, in place of the wall clock.
    final class Waits: @unchecked Sendable {
        private let lock = NSLock()
        private var pauses: [Duration] = []
        var total: Duration { lock.withLock { pauses.reduce(.zero, +) } }
        /// Records `pause`; the number made so far.
        func add(_ pause: Duration) -> Int {
            lock.withLock {
                pauses.append(pause)
                return pauses.count
            }
        }
    }
}
