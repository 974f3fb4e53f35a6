import Foundation
import Testing
import VigilKube
import VigilRules
import VigilTestKit

@testable import VigilEngine

/// The guards and the verification windows judge what this process did by the smaller of the wall
/// clock's and the monotonic clock's elapsed times: a wall clock stepped forward by hours (an NTP
/// correction on a node that booted with a bad clock) expired every cooldown, the rate limit's window and
/// every verification window at once.
@Suite struct ClockStepTests {
    @Test func aForwardStepExpiresNoCooldown() async throws {
        let fixture = try RemediationFixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())
        #expect(try await fixture.changes().count == 1)

        fixture.stepWallClocks(by: 7200)
        fixture.advance(60)
        let another = RemediationFixture.memoryIncident(limit: "1Gi", cause: "oom-killed")
        await remediator.round([another], cluster: ClusterModel())
        let refused = try #require(try fixture.records().last { $0.step == .refused })
        #expect(refused.reason == "cooldown", "\(refused.reason ?? "")")
        #expect(refused.message?.contains("was changed 1m ago") == true, "\(refused.message ?? "")")
        #expect(try await fixture.changes().count == 1)

        // Once the cooldown has passed on both clocks, the fix goes.
        fixture.advance(1800)
        await remediator.round([another], cluster: ClusterModel())
        #expect(try await fixture.changes().count == 2)
    }

    @Test func aForwardStepEmptiesNoRateLimitWindow() async throws {
        let fixture = try RemediationFixture()
        try await fixture.apiDeployments(6)
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round((0..<5).map { RemediationFixture.memoryIncident("api-\($0)") }, cluster: ClusterModel())
        #expect(try await fixture.changes().count == 5)

        fixture.stepWallClocks(by: 7200)
        fixture.advance(60)
        await remediator.round([RemediationFixture.memoryIncident("api-5")], cluster: ClusterModel())
        #expect(try fixture.records().last { $0.step == .refused }?.reason == "rate-limit")
        #expect(try await fixture.changes().count == 5)
    }

    @Test func aForwardStepBringsNoVerdictEarly() async throws {
        let fixture = try RemediationFixture()
        let incident = RemediationFixture.memoryIncident(verify: Playbook.Verification(within: 600, undo: .never))
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round([incident], cluster: ClusterModel())
        #expect(try fixture.records().last?.step == .applied)

        fixture.stepWallClocks(by: 3600)
        fixture.advance(60)
        await remediator.round([incident], cluster: ClusterModel())
        #expect(try fixture.records().last?.step == .applied, "judged after a minute, as if an hour had passed")

        fixture.advance(540)
        await remediator.round([incident], cluster: ClusterModel())
        // The verdict, then its escalation to a person.
        #expect(try fixture.records().map(\.step).suffix(2) == [.verified, .escalated])
        let verified = try #require(try fixture.records().last { $0.step == .verified })
        #expect(verified.reason == "not-resolved")
        #expect(verified.message?.hasPrefix("after 10m") == true, "\(verified.message ?? "")")
    }

    /// A step back makes this process's changes younger: the cooldown lasts longer, never shorter.
    @Test func aBackwardStepHoldsTheCooldownLonger() async throws {
        let fixture = try RemediationFixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())

        fixture.stepWallClocks(by: -600)
        fixture.advance(1801)
        let another = RemediationFixture.memoryIncident(limit: "1Gi", cause: "oom-killed")
        await remediator.round([another], cluster: ClusterModel())
        #expect(try fixture.records().last { $0.step == .refused }?.reason == "cooldown")
        fixture.advance(600)
        await remediator.round([another], cluster: ClusterModel())
        #expect(try await fixture.changes().count == 2)
    }
}
