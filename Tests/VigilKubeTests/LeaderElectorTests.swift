import Foundation
import Testing
import VigilHTTP
import VigilTestKit

@testable import VigilKube

/// The Lease protocol of client-go's leader election, against the fake API server's Leases, time from
/// a manual clock: one holder at a time, a takeover only after the lease went unrenewed for its whole
/// duration as the candidate observed it, a leader stepping down past its renew deadline, a released
/// lease taken at once.
struct LeaderElectorTests {
    let server: FakeAPIServer
    let client: KubeClient
    let clock = ManualClock()
    static let lease = "/apis/coordination.k8s.io/v1/namespaces/vigil/leases/vigil-remediation"

    init() throws {
        server = try FakeAPIServer()
        client = KubeClient(
            connection: KubeConnection(server: server.url, namespace: "vigil", credential: .token("t")),
            transport: CurlHTTPClient(),
            access: .write,
            qps: 1000,
            burst: 1000
        )
    }

    func elector(_ identity: String) -> LeaderElector<ManualClock> {
        LeaderElector(
            configuration: LeaderElectionConfiguration(namespace: "vigil", identity: identity),
            client: client,
            clock: clock,
            wallTime: { [clock] in Date(timeIntervalSince1970: clock.epochSeconds) }
        )
    }

    func holder() async throws -> (identity: String, transitions: Int) {
        let lease = KubeClient.object(try await client.send(KubeRequest(method: "GET", path: Self.lease)))
        let record = LeaseRecord(spec: lease["spec"] as? [String: Any] ?? [:])
        return (record.holderIdentity, record.leaseTransitions)
    }

    @Test func theFirstCandidateCreatesTheLeaseAndTheOthersWait() async throws {
        let (a, b) = (elector("vigil-0"), elector("vigil-1"))
        #expect(await a.tryAcquireOrRenew())
        #expect(await b.tryAcquireOrRenew() == false)
        #expect(await a.isLeader)
        #expect(await b.isLeader == false)
        #expect(await b.holder == "vigil-0")
        #expect(try await holder().identity == "vigil-0")
        let lease = KubeClient.object(try await client.send(KubeRequest(method: "GET", path: Self.lease)))
        let spec = try #require(lease["spec"] as? [String: Any])
        #expect(spec["leaseDurationSeconds"] as? Int == 15)
        #expect(spec["renewTime"] as? String == "2023-11-14T22:13:20.000000Z")
        // Created with POST, renewed with PUT carrying the resourceVersion read (a lost race is a 409).
        let writes = try await server.log().filter { $0.method != "GET" }.map { "\($0.method) \($0.path)" }
        #expect(writes == ["POST /apis/coordination.k8s.io/v1/namespaces/vigil/leases"])
    }

    @Test func aLeaseIsTakenOverOnlyAfterItsDurationWithoutRenewal() async throws {
        let (a, b) = (elector("vigil-0"), elector("vigil-1"))
        #expect(await a.tryAcquireOrRenew())
        #expect(await b.tryAcquireOrRenew() == false)  // first seen now
        clock.advance(by: .seconds(14))
        #expect(await b.tryAcquireOrRenew() == false)
        // The leader renews: the candidate's wait starts again from when it sees the new record.
        #expect(await a.tryAcquireOrRenew())
        #expect(await b.tryAcquireOrRenew() == false)
        clock.advance(by: .seconds(14))
        #expect(await b.tryAcquireOrRenew() == false)
        #expect(await a.isLeader == false, "10 s without renewing: past the renew deadline, it no longer leads")
        clock.advance(by: .seconds(1))
        #expect(await b.tryAcquireOrRenew())
        #expect(try await holder() == ("vigil-1", 1))
        #expect(await a.confirm() == false)
        #expect(await b.confirm())
        // The old leader, back, finds the lease held and fresh.
        #expect(await a.tryAcquireOrRenew() == false)
    }

    @Test func aReleasedLeaseIsTakenAtOnce() async throws {
        let (a, b) = (elector("vigil-0"), elector("vigil-1"))
        #expect(await a.tryAcquireOrRenew())
        #expect(await b.tryAcquireOrRenew() == false)
        await a.release()
        #expect(await a.isLeader == false)
        #expect(try await holder().identity == "")
        #expect(await b.tryAcquireOrRenew())
        #expect(try await holder() == ("vigil-1", 1))
    }

    /// A leader that reads another holder on the lease (an operator handed it over) leads no more from
    /// that read, not from its renew deadline.
    @Test func aLeaderThatSeesAnotherHolderStopsLeadingAtOnce() async throws {
        let a = elector("vigil-0")
        #expect(await a.tryAcquireOrRenew())
        var lease = KubeClient.object(try await client.send(KubeRequest(method: "GET", path: Self.lease)))
        var spec = try #require(lease["spec"] as? [String: Any])
        spec["holderIdentity"] = "vigil-9"
        lease["spec"] = spec
        _ = try await client.send(
            KubeRequest(method: "PUT", path: Self.lease, contentType: "application/json", body: KubeAction.json(lease))
        )
        clock.advance(by: .seconds(2))
        #expect(await a.tryAcquireOrRenew() == false)
        #expect(await a.isLeader == false)
    }

    /// A replica the server refuses the Lease (no rights to it) says why once, however often it tries, and
    /// says so again when it reaches the Lease: otherwise it would never lead, in silence.
    @Test(.timeLimit(.minutes(10))) func aLeaseOutOfReachIsToldOnceAndSoIsItsEnd() async throws {
        try await server.control("/__refuse", #"{"path": "\#(Self.lease)", "status": 403}"#)
        let a = elector("vigil-0")
        var troubles = a.troubleChanges.makeAsyncIterator()
        #expect(await a.tryAcquireOrRenew() == false)
        clock.advance(by: .seconds(2))
        #expect(await a.tryAcquireOrRenew() == false)
        #expect(
            await troubles.next()
                == "cannot read the Lease vigil/vigil-remediation: Error from server (Forbidden): refused by the test: \(Self.lease)"
        )
        try await server.reset()
        clock.advance(by: .seconds(2))
        #expect(await a.tryAcquireOrRenew())
        #expect(await troubles.next() == .some(nil), "the second attempt's refusal was told again")
    }

    @Test(.timeLimit(.minutes(10))) func aRenewalOnAStaleReadLosesTheRace() async throws {
        let a = elector("vigil-0")
        #expect(await a.tryAcquireOrRenew())
        // Between the leader's read and its write, another writer changes the lease: 409, not renewed.
        try await server.control("/__race")
        clock.advance(by: .seconds(2))
        #expect(await a.tryAcquireOrRenew() == false)
        // A lost race is no trouble to report, nor is a leader's failed renewal within its renew deadline:
        // the first told is the refusal once it no longer leads.
        var troubles = a.troubleChanges.makeAsyncIterator()
        try await server.control("/__refuse", #"{"path": "\#(Self.lease)", "status": 429}"#)
        #expect(await a.tryAcquireOrRenew() == false)
        #expect(await a.isLeader, "renewed 2 s ago, within its 10-s renew deadline")
        try await server.control("/__refuse", #"{"path": "\#(Self.lease)", "status": 403}"#)
        clock.advance(by: .seconds(9))
        #expect(await a.tryAcquireOrRenew() == false)
        #expect(
            await troubles.next()??.contains("(Forbidden)") == true,
            "the 429 within the deadline was not to be told"
        )
    }

    @Test func runCampaignsRenewsAndReleasesWhenCancelled() async throws {
        let a = elector("vigil-0")
        let changes = a.leadershipChanges
        let run = Task { await a.run() }
        var iterator = changes.makeAsyncIterator()
        #expect(await iterator.next() == true)
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(2))
        await clock.waitForSleepers(1)
        run.cancel()
        await run.value
        #expect(await iterator.next() == false)
        #expect(try await holder().identity == "")
        let puts = try await server.log().filter { $0.method == "PUT" }.count
        #expect(puts == 2, "one renewal, one release")
    }

    @Test(
        arguments: [
            (LeaderElectionConfiguration(namespace: "n", identity: ""), "the identity is empty"),
            (
                LeaderElectionConfiguration(namespace: "n", identity: "a", leaseDuration: .seconds(10)),
                "lease_duration must be greater than renew_deadline"
            ),
            (
                LeaderElectionConfiguration(namespace: "n", identity: "a", retryPeriod: .seconds(9)),
                "renew_deadline must be greater than 1.2 × retry_period"
            ),
            (
                LeaderElectionConfiguration(namespace: "n", identity: "a", leaseDuration: .milliseconds(15_500)),
                "lease_duration must be whole seconds (a Lease's leaseDurationSeconds is an integer): 15.5s would be "
                    + "cut to 15s; write 16s"
            ),
        ]
    )
    func unsafeTimingsAreRefused(configuration: LeaderElectionConfiguration, problem: String) {
        #expect(configuration.problem == problem)
        #expect(LeaderElectionConfiguration(namespace: "n", identity: "a").problem == nil)
    }

    // MARK: - A short-lived candidate (`vigil diagnose --apply`)

    @Test func aShortLivedCandidateRefusesALiveHolderWithoutWriting() async throws {
        let a = elector("vigil-0")
        #expect(await a.tryAcquireOrRenew())
        clock.advance(by: .seconds(3))
        let before = try await server.log().count
        let outcome = await elector("vigil-diagnose@host/1").campaignOnce()
        guard case .held(let record) = outcome else {
            Issue.record("expected .held, got \(outcome)")
            return
        }
        #expect(record.holderIdentity == "vigil-0")
        #expect(record.renewTime == Date(timeIntervalSince1970: clock.start))
        let writes = try await server.log().dropFirst(before).filter { $0.method != "GET" }
        #expect(writes.isEmpty, "\(writes)")
    }

    @Test func aShortLivedCandidateTakesAFreeLeaseAtOnce() async throws {
        let first = elector("vigil-diagnose@host/1")
        #expect(await first.campaignOnce() == .acquired)  // no Lease yet: created
        #expect(try await holder().identity == "vigil-diagnose@host/1")
        await first.release()
        #expect(await elector("vigil-diagnose@host/2").campaignOnce() == .acquired)  // released: taken at once
        #expect(try await holder() == ("vigil-diagnose@host/2", 1))
    }

    @Test func aSilentHolderIsWatchedForAWholeLeaseDurationThenTakenOver() async throws {
        let a = elector("vigil-0")
        #expect(await a.tryAcquireOrRenew())
        clock.advance(by: .seconds(20))  // its renewTime is past its duration: it looks dead
        let candidate = elector("vigil-diagnose@host/1")
        let campaign = Task { await candidate.campaignOnce() }
        // Not taken before 15 s of watching on the candidate's own clock, whatever the holder's renewTime.
        for _ in 0..<7 {
            await clock.waitForSleepers(1)
            clock.advance(by: .seconds(2))
        }
        await clock.waitForSleepers(1)
        #expect(try await holder().identity == "vigil-0")
        clock.advance(by: .seconds(2))
        #expect(await campaign.value == .acquired)
        #expect(try await holder() == ("vigil-diagnose@host/1", 1))
    }

    @Test func aHolderRenewingWhileWatchedIsLive() async throws {
        let a = elector("vigil-0")
        #expect(await a.tryAcquireOrRenew())
        clock.advance(by: .seconds(20))
        let candidate = elector("vigil-diagnose@host/1")
        let campaign = Task { await candidate.campaignOnce() }
        await clock.waitForSleepers(1)
        #expect(await a.tryAcquireOrRenew())  // the leader was only slow
        clock.advance(by: .seconds(2))
        let outcome = await campaign.value
        guard case .held(let record) = outcome else {
            Issue.record("expected .held, got \(outcome)")
            return
        }
        #expect(record.holderIdentity == "vigil-0")
        #expect(try await holder().identity == "vigil-0")
    }
}
