import Foundation
import Testing
import VigilHTTP
import VigilKube
import VigilTestKit

/// `vigil diagnose --apply` where the daemon's replicas elect a leader: it takes part in the election as
/// a short-lived candidate, so that it never applies beside a live leader, claims its change on the Lease
/// as a leader does, and gives the Lease back. Told by the fake API server's request log.
@Suite struct DiagnoseLeaseTests {
    static let scenario = "memory-limit-1"
    static let object = "/apis/apps/v1/namespaces/shop/deployments/cart"
    static let lease = "/apis/coordination.k8s.io/v1/namespaces/vigil/leases/vigil-remediation"

    /// The scenario's cluster with the remediation Lease held by `holder` ("": released), renewed `at`
    /// for `seconds`.
    static func cluster(
        leaseHeldBy holder: String,
        renewed at: Date,
        for seconds: Int = 15
    ) async throws -> (FakeAPIServer, URL) {
        let (server, state) = try await RemediationEndToEndTests.cluster(scenario)
        try await addLease(
            to: server,
            namespace: "vigil",
            name: "vigil-remediation",
            spec: [
                "holderIdentity": holder, "leaseDurationSeconds": seconds, "leaseTransitions": 3,
                "renewTime": ISO8601DateFormatter().string(from: at),
                "acquireTime": ISO8601DateFormatter().string(from: at),
            ]
        )
        return (server, state)
    }

    /// Creates a Lease on the fake API server.
    static func addLease(
        to server: FakeAPIServer,
        namespace: String,
        name: String,
        spec: [String: Any] = [:]
    ) async throws {
        let lease: [String: Any] = [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": ["name": name, "namespace": namespace], "spec": spec,
        ]
        let body = try JSONSerialization.data(withJSONObject: ["object": lease])
        try await server.control("/__create", String(decoding: body, as: UTF8.self))
    }

    /// The Lease's holder in a request's body.
    static func holder(_ request: FakeAPIServer.Request) -> String? {
        let lease = KubeClient.object(Array((request.body ?? "").utf8))
        return (lease["spec"] as? [String: Any])?["holderIdentity"] as? String
    }

    @Test func aLiveLeaderMakesApplyRefuseAndNothingIsSent() async throws {
        // The daemon's configuration names the Lease; the leader renewed it a moment ago, for an hour (so
        // it is live however slowly the command starts on a loaded machine: nothing renews it here).
        let (server, state) = try await Self.cluster(leaseHeldBy: "vigil-0", renewed: Date(), for: 3600)
        defer { try? FileManager.default.removeItem(at: state) }
        let config = state.appendingPathComponent("vigil.yaml")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        try "cluster:\n  leader_election:\n    namespace: vigil\n".write(to: config, atomically: true, encoding: .utf8)

        let result = try await ChildProcess.run(
            ChildProcess.binary,
            RemediationEndToEndTests.arguments(Self.scenario, server, state) + ["--config", config.path]
        )
        #expect(result.status == 2, "\(result.output)")
        #expect(result.output.contains("the remediation lease vigil/vigil-remediation is held by vigil-0"))
        #expect(result.output.contains("last renewed"))
        #expect(result.output.contains("Approve the proposal on the leader"))
        #expect(result.output.contains("without --apply to propose only"))
        // Nothing written anywhere: no Lease write, no dry run, no change; no audit log opened.
        let writes = try await server.log().filter { $0.method != "GET" }
        #expect(writes.isEmpty, "\(writes)")
        #expect(!FileManager.default.fileExists(atPath: state.appendingPathComponent("audit.jsonl").path))
    }

    /// Named with `--lease`, or found by its default name in every namespace: the same election.
    @Test(arguments: [["--lease", "vigil/vigil-remediation"], []])
    func aReleasedLeaseIsTakenTheChangeClaimedFirstAndTheLeaseGivenBack(_ naming: [String]) async throws {
        let (server, state) = try await Self.cluster(leaseHeldBy: "", renewed: Date(timeIntervalSinceNow: -60))
        defer { try? FileManager.default.removeItem(at: state) }
        // A Lease of another name beside it is not the replicas'.
        try await Self.addLease(to: server, namespace: "monitoring", name: "other-controller")

        let result = try await ChildProcess.run(
            ChildProcess.binary,
            RemediationEndToEndTests.arguments(Self.scenario, server, state) + naming
        )
        #expect(result.status == 1, "\(result.output)")  // incidents found, one fixed

        let writes = try await server.log().filter {
            $0.method != "GET" && !$0.query.contains(["dryRun", "All"])
        }
        let leaseWrites = writes.enumerated().filter { $0.element.path == Self.lease }
        let change = try #require(writes.firstIndex { $0.path.hasPrefix(Self.object) }, "\(writes)")
        #expect(writes.filter { $0.path.hasPrefix(Self.object) }.count == 1)
        // Taken under the command's own identity, never a replica's.
        let taken = try #require(leaseWrites.first)
        let identity = try #require(Self.holder(taken.element))
        #expect(identity.hasPrefix("vigil-diagnose@"), "\(identity)")
        #expect(taken.offset < change)
        // The change claimed on the Lease, as a leader claims it, before it was sent.
        let claim = try #require(
            leaseWrites.last { $0.offset < change && $0.element.body?.contains("vigil.dev/applied-proposals") == true }
        )
        #expect(Self.holder(claim.element) == identity)
        #expect(claim.element.body?.contains("cart") == true)  // the change it claims
        // Given back at the end, so a replica takes over at once.
        let released = try #require(leaseWrites.last)
        #expect(released.offset > change)
        #expect(Self.holder(released.element) == "")
    }

    @Test func withNoLeaseNamedTheReplicasLeaseIsFoundAndItsLiveLeaderRefusesApply() async throws {
        let (server, state) = try await Self.cluster(leaseHeldBy: "vigil-0", renewed: Date(), for: 3600)
        defer { try? FileManager.default.removeItem(at: state) }

        let result = try await ChildProcess.run(
            ChildProcess.binary,
            RemediationEndToEndTests.arguments(Self.scenario, server, state)
        )
        #expect(result.status == 2, "\(result.output)")
        #expect(result.output.contains("the remediation lease vigil/vigil-remediation is held by vigil-0"))
        #expect(try await server.log().filter { $0.method != "GET" }.isEmpty)
    }

    @Test func leasesOfThatNameInTwoNamespacesMakeApplyAskWhichOne() async throws {
        let (server, state) = try await Self.cluster(leaseHeldBy: "", renewed: Date(timeIntervalSinceNow: -60))
        defer { try? FileManager.default.removeItem(at: state) }
        try await Self.addLease(to: server, namespace: "monitoring", name: "vigil-remediation")

        let result = try await ChildProcess.run(
            ChildProcess.binary,
            RemediationEndToEndTests.arguments(Self.scenario, server, state)
        )
        #expect(result.status == 2, "\(result.output)")
        #expect(result.output.contains("in several namespaces (monitoring/vigil-remediation, vigil/vigil-remediation)"))
        #expect(try await server.log().filter { $0.method != "GET" }.isEmpty)
    }

    @Test func noLeaseAppliesWithoutTakingPartInAnElection() async throws {
        let (server, state) = try await Self.cluster(leaseHeldBy: "", renewed: Date(timeIntervalSinceNow: -60))
        defer { try? FileManager.default.removeItem(at: state) }

        let result = try await ChildProcess.run(
            ChildProcess.binary,
            RemediationEndToEndTests.arguments(Self.scenario, server, state) + ["--no-lease"]
        )
        #expect(result.status == 1, "\(result.output)")
        let requests = try await server.log()
        #expect(!requests.contains { $0.path.contains("/leases") }, "no Lease read or written")
        #expect(requests.contains { $0.method != "GET" && $0.path.hasPrefix(Self.object) })
    }
}
