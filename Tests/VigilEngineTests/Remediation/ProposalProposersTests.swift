import Foundation
import Testing
import VigilKube
import VigilRules
import VigilTestKit

@testable import VigilEngine

/// A board entry stays while one of its proposers still sees its incident, and no longer: each follower
/// refreshes what it still sees every round and takes only itself off what it no longer sees; the leader
/// takes an entry nobody refreshed for three rounds (at least a lease duration) as withdrawn. Real electors
/// and a real board against the fake API server; time from the fixture's clock.
struct ProposalProposersTests {
    /// Undone when not resolved within ten minutes, on the leader's own playbook.
    static let verify = Playbook.Verification(within: 600, undo: .notResolved)
    static let playbooks = [RemediationFixture.memoryPlaybook(verify: verify)]
    static let incident = RemediationFixture.memoryIncident(verify: verify)
    static let staleAfter = BoardHandover.staleness(evaluationInterval: 30, leaseDuration: 15)

    /// The board's one entry, decoded; nil when the board is empty.
    static func entry(_ fixture: RemediationFixture) async throws -> HandedProposal? {
        let data = try await ProposalHandoverTests.boardEntries(fixture)
        #expect(data.count <= 1)
        return try (data.values.first as? String).map { try HandedProposal.decode($0).get() }
    }

    static func changesToTheDeployment(_ fixture: RemediationFixture) async throws -> Int {
        try await fixture.changes().filter { $0.path == ProposalHandoverTests.deployment }.count
    }

    /// The deployment's memory limited, and vigil-0 leading.
    static func vigil0Leading() async throws -> (RemediationFixture, ManualClock, HandoverReplica) {
        let fixture = try RemediationFixture()
        try await fixture.limitMemory()
        let clock = ManualClock()
        let leader = try HandoverReplica("vigil-0", fixture, clock)
        #expect(await leader.elector.tryAcquireOrRenew())
        return (fixture, clock, leader)
    }

    /// A staleness on, no proposer having refreshed the entry: withdrawn, and nothing was ever applied.
    static func expectWithdrawnNeverApplied(_ fixture: RemediationFixture, _ leader: HandoverReplica) async throws {
        fixture.advance(Self.staleAfter + 1)
        #expect(await leader.elector.tryAcquireOrRenew())
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try await Self.entry(fixture) == nil)
        #expect(try leader.records().isEmpty)
        #expect(try await Self.changesToTheDeployment(fixture) == 0)
    }

    /// vigil-0 leads; vigil-1 sees the incident and hands its proposal over; vigil-0's round applies it.
    static func leaderApplyingAHandover() async throws -> (RemediationFixture, ManualClock, HandoverReplica) {
        let (fixture, clock, leader) = try await vigil0Leading()
        await (try HandoverReplica("vigil-1", fixture, clock)).remediator.round(
            [Self.incident],
            cluster: ClusterModel()
        )
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        return (fixture, clock, leader)
    }

    @Test func aFollowerRestartedAfterItsIncidentEndedWithdrawsAndTheFixIsKept() async throws {
        let (fixture, clock, leader) = try await Self.leaderApplyingAHandover()
        #expect(try leader.records().last?.step == .applied)

        // The fix works; the follower restarts meanwhile and no longer sees the incident. Its first round
        // reads the board and takes itself off the entry it proposed before the restart.
        fixture.advance(30)
        let restarted = try HandoverReplica("vigil-1", fixture, clock)
        await restarted.remediator.round([], cluster: ClusterModel())
        #expect(try await Self.entry(fixture) == nil)

        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try leader.records().last?.step == .verified)
        #expect(try leader.records().last?.reason == "resolved")
        // Past the window: nothing judged again, nothing undone.
        fixture.advance(600)
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try leader.records().map(\.step) == [.proposed, .dryRun, .applying, .applied, .verified])
        #expect(try await Self.changesToTheDeployment(fixture) == 1)
    }

    @Test func anEntryStaysWhileAnotherProposerStillSeesItsIncident() async throws {
        let fixture = try RemediationFixture()
        try await fixture.limitMemory()
        let clock = ManualClock()
        let leader = try HandoverReplica("vigil-0", fixture, clock)
        let (one, two) = (
            try HandoverReplica("vigil-1", fixture, clock), try HandoverReplica("vigil-2", fixture, clock)
        )
        #expect(await leader.elector.tryAcquireOrRenew())
        await one.remediator.round([Self.incident], cluster: ClusterModel())
        let pinned = fixture.now
        fixture.advance(5)
        await two.remediator.round([Self.incident], cluster: ClusterModel())
        let both = try #require(try await Self.entry(fixture))
        #expect(
            both.proposers == [.init(identity: "vigil-1", seen: pinned), .init(identity: "vigil-2", seen: pinned + 5)]
        )
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try leader.records().last?.step == .applied)

        // vigil-1 no longer sees it, vigil-2 still does: only vigil-1 leaves the entry.
        fixture.advance(30)
        await one.remediator.round([], cluster: ClusterModel())
        await two.remediator.round([Self.incident], cluster: ClusterModel())
        let left = try #require(try await Self.entry(fixture))
        #expect(left.proposers == [.init(identity: "vigil-2", seen: fixture.now)])
        // Still there for the leader, so not resolved; kept fresh by vigil-2 well past the staleness.
        for _ in 0..<4 {
            fixture.advance(30)
            await two.remediator.round([Self.incident], cluster: ClusterModel())
            await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        }
        #expect(try leader.records().map(\.step) == [.proposed, .dryRun, .applying, .applied])
        #expect(try await Self.entry(fixture) != nil)
    }

    @Test func anEntryNoProposerRefreshesIsWithdrawnNeitherAppliedNorNotResolved() async throws {
        let (fixture, clock, leader) = try await Self.vigil0Leading()

        // Applied, then both proposers fall silent (died, or partitioned from the API server).
        await (try HandoverReplica("vigil-1", fixture, clock)).remediator.round(
            [Self.incident],
            cluster: ClusterModel()
        )
        await (try HandoverReplica("vigil-2", fixture, clock)).remediator.round(
            [Self.incident],
            cluster: ClusterModel()
        )
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try leader.records().last?.step == .applied)
        // Within the staleness the entry still stands for an incident that is there.
        fixture.advance(Self.staleAfter)
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try leader.records().last?.step == .applied)
        #expect(try await Self.entry(fixture) != nil)
        // Past it: withdrawn — removed, and the fix judged resolved, never not-resolved and undone.
        fixture.advance(1)
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try await Self.entry(fixture) == nil)
        #expect(try leader.records().last?.reason == "resolved")
        fixture.advance(600)
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try await Self.changesToTheDeployment(fixture) == 1)
    }

    @Test func aStaleEntryIsNotApplied() async throws {
        let fixture = try RemediationFixture()
        try await fixture.limitMemory()
        let clock = ManualClock()
        let leader = try HandoverReplica("vigil-0", fixture, clock)
        let follower = try HandoverReplica("vigil-1", fixture, clock)
        await follower.remediator.round([Self.incident], cluster: ClusterModel())  // nobody leads yet
        #expect(try await Self.entry(fixture) != nil)
        // Its proposer dies; a new leader comes up only after the entry went stale. It does not apply it,
        // and, no proposer refreshing it, withdraws it a staleness later by its own clock.
        fixture.advance(Self.staleAfter + 1)
        #expect(await leader.elector.tryAcquireOrRenew())
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try await Self.entry(fixture) != nil)
        try await Self.expectWithdrawnNeverApplied(fixture, leader)
    }

    /// A replica that pinned its proposal while nobody led (a daemon's first round, before it took the
    /// lease) and then leads applies its own proposal, not the board's copy; the copy goes, so that it does
    /// not hold the incident up on the board after the incident ended (resolved at once, not a round late).
    @Test func aReplicaThatComesToLeadTakesOffWhatItPinnedAsAFollower() async throws {
        let fixture = try RemediationFixture()
        try await fixture.limitMemory()
        let clock = ManualClock()
        let replica = try HandoverReplica("vigil-0", fixture, clock)
        await replica.remediator.round([Self.incident], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try await Self.entry(fixture) != nil)
        #expect(await replica.elector.tryAcquireOrRenew())
        // Its first round as leader sees the incident no more: its own old entry is no other replica's.
        fixture.advance(30)
        await replica.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try await Self.entry(fixture) == nil)
        #expect(try replica.records().allSatisfy { $0.step != .applied })
        // A follower again, it pins the incident, which is back; then it leads with the incident still there.
        await replica.elector.release()
        await replica.remediator.round([Self.incident], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try await Self.entry(fixture) != nil)
        fixture.advance(30)
        #expect(await replica.elector.tryAcquireOrRenew())
        await replica.remediator.round([Self.incident], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try await Self.entry(fixture) == nil)
        let applied = try #require(try replica.records().last)
        #expect(applied.step == .applied && applied.handedOver != true)
        fixture.advance(30)
        #expect(await replica.elector.tryAcquireOrRenew())
        await replica.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try replica.records().last?.reason == "resolved")
        #expect(try await Self.changesToTheDeployment(fixture) == 1)
    }

    /// An entry only the leader proposed (pinned before it led) goes by the leader taking itself off it,
    /// not by its removal: a replica that joined the entry after the leader read the board keeps it.
    @Test func aProposerThatJoinsALeadersOldEntryKeepsIt() async throws {
        let fixture = try RemediationFixture()
        try await fixture.limitMemory()
        let clock = ManualClock()
        let joiner = BoardHandover(
            board: ProposalBoard(namespace: "shop", name: "vigil-remediation-proposals", client: fixture.kube),
            identity: "vigil-1"
        )
        let replica = try HandoverReplica("vigil-0", fixture, clock) {
            _ = await joiner.hand(Self.incident.proposals[0], of: Self.incident, at: fixture.now)
        }
        await replica.remediator.round([Self.incident], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try await Self.entry(fixture)?.proposers.map(\.identity) == ["vigil-0"])
        #expect(await replica.elector.tryAcquireOrRenew())
        fixture.advance(30)
        await replica.remediator.round([Self.incident], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try await Self.entry(fixture)?.proposers == [.init(identity: "vigil-1", seen: fixture.now)])
        #expect(try replica.records().last?.step == .applied)
        #expect(try await Self.changesToTheDeployment(fixture) == 1)
    }

    /// A leader that lost the Lease and got it back did not watch the board meanwhile: a stamp that moved
    /// while it did not lead is no refresh it saw (its proposer may have died since), so an entry it could
    /// not confirm before waits again for a refresh it sees, and goes when none comes.
    @Test func aLeaderForgetsWhatItSawOnTheBoardWhileItDidNotLead() async throws {
        let (fixture, clock, leader) = try await Self.vigil0Leading()
        // A proposer whose clock is 300 s ahead: its entry, read for the first time, waits for a refresh.
        let follower = try HandoverReplica("vigil-1", fixture, clock, skew: 300)
        await follower.remediator.round([Self.incident], cluster: ClusterModel())
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try await Self.entry(fixture) != nil)
        #expect(try leader.records().isEmpty)
        // The leader's renewals lapse; while it does not lead, the proposer refreshes once more, and dies.
        clock.advance(by: .seconds(11))
        #expect(await !leader.elector.isLeader)
        fixture.advance(30)
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        await follower.remediator.round([Self.incident], cluster: ClusterModel())
        fixture.advance(30)
        #expect(await leader.elector.tryAcquireOrRenew())
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try leader.records().isEmpty)
        // No refresh comes: withdrawn a staleness later by the leader's clock, never applied.
        try await Self.expectWithdrawnNeverApplied(fixture, leader)
    }

    /// A proposer whose clock is off the leader's by more than the staleness, behind or ahead. Behind, its
    /// entry read as stale at once, was withdrawn every round and never applied; ahead, it stood that much
    /// longer after the proposer died. Now the leader applies it once it saw a refresh (a stamp that far
    /// off could be a proposer long dead), and, the proposer silent, withdraws it a staleness later by its
    /// own clock.
    @Test(arguments: [-300.0, 300.0])
    func aProposerWhoseClockIsOffIsHeardAtItsRefreshAndWithdrawnByTheLeadersClock(skew: Double) async throws {
        let (fixture, clock, leader) = try await Self.vigil0Leading()
        let follower = try HandoverReplica("vigil-1", fixture, clock, skew: skew)
        await follower.remediator.round([Self.incident], cluster: ClusterModel())
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try await Self.entry(fixture) != nil)
        #expect(try leader.records().isEmpty)
        fixture.advance(30)
        #expect(await leader.elector.tryAcquireOrRenew())
        await follower.remediator.round([Self.incident], cluster: ClusterModel())
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try leader.records().last?.step == .applied)
        #expect(try await Self.changesToTheDeployment(fixture) == 1)
        fixture.advance(Self.staleAfter + 1)
        #expect(await leader.elector.tryAcquireOrRenew())
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try await Self.entry(fixture) == nil)
        #expect(try leader.records().last?.reason == "resolved")
    }

    /// The leader's wall clock stepped forward past the staleness between two of its rounds (an NTP
    /// correction) withdrew every entry it watched, and the fixes it applied for them read as resolved:
    /// staleness is on its monotonic clock. The proposer's own refreshes say when the incident ends.
    @Test func aStepOfTheLeadersWallClockWithdrawsNothing() async throws {
        let (fixture, clock, leader) = try await Self.leaderApplyingAHandover()
        #expect(try leader.records().last?.step == .applied)
        let follower = try HandoverReplica("vigil-1", fixture, clock)
        fixture.advance(30)
        await follower.remediator.round([Self.incident], cluster: ClusterModel())
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        fixture.stepWallClocks(by: 300)
        fixture.advance(30)
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try await Self.entry(fixture) != nil)
        #expect(try leader.records().last?.step == .applied, "not judged resolved")
        // The incident ends where it was seen: resolved.
        fixture.advance(30)
        await follower.remediator.round([], cluster: ClusterModel())
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try leader.records().last?.reason == "resolved")
    }

    /// One proposer taking itself off an entry is no sign that the others live; a proposer's later stamp is;
    /// the leader's own stamp is not (one it pinned when it lost the Lease mid-round and took back).
    @Test func aSightingMovesOnlyWhenAProposerRefreshes() throws {
        let first = try #require(HandedProposal(Self.incident.proposals[0], of: Self.incident, proposer: "a", at: 0))
        let both = first.seen(by: "b", at: 10)
        let sighting = BoardSighting(both, by: "leader", at: 1000)
        let left = sighting.reading(try #require(both.withdrawn(by: "b")), at: 1050)
        #expect(left.isStale(at: 1091, after: 90))
        #expect(!left.isConfirmed(at: 1091, after: 90), "stamped 990 s before it was read")
        let refreshed = sighting.reading(both.seen(by: "a", at: 20), at: 1050)
        #expect(!refreshed.isStale(at: 1091, after: 90) && refreshed.isStale(at: 1141, after: 90))
        #expect(refreshed.isConfirmed(at: 1091, after: 90))
        let leaderJoined = sighting.reading(both.seen(by: "leader", at: 1040), at: 1050)
        #expect(leaderJoined.isStale(at: 1091, after: 90))
        #expect(!leaderJoined.isConfirmed(at: 1050, after: 90))
        // First read: a stamp within the staleness either way is confirmed; the leader's own is not counted,
        // and a stamp far in the future (a dead proposer whose clock ran ahead) is not either.
        #expect(BoardSighting(both, by: "leader", at: 50).isConfirmed(at: 50, after: 90))
        #expect(!BoardSighting(both, by: "b", at: 95).isConfirmed(at: 95, after: 90), "only the leader's is recent")
        #expect(!BoardSighting(both, by: "leader", at: -300).isConfirmed(at: -300, after: 90))
        // A stamp moved back is a proposer alive whose clock was stepped back.
        #expect(sighting.reading(both.seen(by: "b", at: 5), at: 1050).isConfirmed(at: 1050, after: 1))
    }

    @Test func anEntryListsAtMostSixteenProposersTheStalestDropped() throws {
        var entry = try #require(HandedProposal(Self.incident.proposals[0], of: Self.incident, proposer: "r-0", at: 0))
        for index in 1..<20 { entry = entry.seen(by: "r-\(index)", at: Double(index)) }
        #expect(entry.proposers.count == HandedProposal.proposerLimit)
        #expect(Set(entry.proposers.map(\.identity)) == Set((4..<20).map { "r-\($0)" }))
        // Refreshing one already listed moves its time, adds nobody.
        entry = entry.seen(by: "r-4", at: 30)
        #expect(entry.proposers.count == 16)
        #expect(entry.lastSeen == 30)
        #expect(entry.withdrawn(by: "r-4")?.proposers.count == 15)
        // An entry read back with more than the limit, or none, is not one the leader acts on.
        var crowded = entry
        crowded.proposers += [.init(identity: "x", seen: 1)]
        #expect((try? HandedProposal.decode(crowded.json).get()) == nil)
        crowded.proposers = []
        #expect((try? HandedProposal.decode(crowded.json).get()) == nil)
    }

    @Test func aReplicaThatNoLongerLeadsGivesWhatItAppliedForAnotherNoVerdict() async throws {
        let (fixture, clock, leader) = try await Self.leaderApplyingAHandover()
        let applied = try #require(try leader.records().last)
        #expect(applied.step == .applied)
        #expect(applied.handedOver == true, "the apply says whose incident it was for")

        // It stops leading (its renew deadline passes unrenewed): its own incidents hold none of the
        // handed one, and it does not read the board, so it judges nothing rather than "resolved".
        clock.advance(by: .seconds(11))
        #expect(await !leader.elector.isLeader)
        fixture.advance(30)
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        // Restarted as a follower, from its audit log: the same.
        let restarted = try HandoverReplica("vigil-0", fixture, clock)
        fixture.advance(600)
        await restarted.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try leader.records().map(\.step) == [.proposed, .dryRun, .applying, .applied])
        #expect(try await Self.changesToTheDeployment(fixture) == 1)
    }
}
