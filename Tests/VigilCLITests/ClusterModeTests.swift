import Foundation
import Testing
import VigilEngine
import VigilHTTP
import VigilScrape
import VigilTestKit

#if canImport(Glibc)
import Glibc
#endif

/// Cluster mode end to end: real `vigil run` processes against the fake API server. They discover the
/// pods, split them by hashmod with no overlap and no gap (and again when the number of replicas
/// changes), elect one leader on a Lease, and only the leader applies a fix — one that only a follower
/// saw, handed over through the API server — once, even across the leader's death, as the server's
/// request log and every replica's audit log show.
@Suite(.serialized) struct ClusterModeTests {
    static let pods = 24
    /// Short timings so that a handover takes seconds (the defaults are 15 s / 10 s / 2 s).
    static let (leaseDuration, retryPeriod) = (4.0, 1.0)
    /// Every replica's bearer token, as Alertmanager's receiver would send it.
    static let token = "cluster-token"
    static let lease = "/apis/coordination.k8s.io/v1/namespaces/shop/leases/vigil-remediation"
    static let deployment = "/apis/apps/v1/namespaces/shop/deployments/web"

    final class Replica: Sendable {
        let process: ChildProcess
        let base: String
        let identity: String
        let state: URL

        init(_ index: Int, shards: Int?, directory: URL, server: FakeAPIServer) throws {
            let port = try LoopbackPort.free()
            base = "http://127.0.0.1:\(port)"
            identity = "vigil-\(index)"
            state = directory.appendingPathComponent("state-\(identity)")
            let config = directory.appendingPathComponent("\(identity).yaml")
            try """
            listen: 127.0.0.1:\(port)
            log: {format: json}
            state_dir: \(state.path)
            diagnosis_interval: 1s
            rule_files: ['alerts.rules.yaml']
            kubernetes: {kubeconfig: \(server.kubeconfig.path)}
            scrape_configs:
              - job_name: pods
                scrape_interval: 1m
                kubernetes_sd_configs: [{role: pod, namespaces: {names: [shop]}}]
            cluster:
              shards: 3
              leader_election:
                namespace: shop
                lease_duration: \(Int(ClusterModeTests.leaseDuration))s
                renew_deadline: 3s
                retry_period: \(Int(ClusterModeTests.retryPeriod))s

            """.write(to: config, atomically: true, encoding: .utf8)
            // A playbook that applies on an alert needs an authenticated webhook (`ForgedAlertGuard`).
            let token = directory.appendingPathComponent("token")
            try ClusterModeTests.token.write(to: token, atomically: true, encoding: .utf8)
            // The shard is the ordinal of the pod name, as in a StatefulSet; --shards overrides the file.
            process = try ChildProcess.vigil(
                ["--config", config.path, "--allow-apply", "--web.bearer-token-file", token.path]
                    + (shards.map { ["--shards", String($0)] } ?? []),
                environment: ["POD_NAME": identity]
            )
        }

        /// The addresses this replica scrapes.
        func targets() async throws -> Set<String> {
            let body = try await fetch(base + "/api/v1/targets", token: ClusterModeTests.token).body
            let answer = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            let data = answer?["data"] as? [[String: Any]] ?? []
            return Set(data.compactMap { ($0["labels"] as? [String: String])?["instance"] })
        }

        func logged(_ message: String, reason: String) -> Bool {
            process.logLines.contains { $0["msg"] == message && $0["reason"] == reason }
        }

        func appliedRecords() throws -> Int {
            let path = state.appendingPathComponent("audit.jsonl").path
            guard FileManager.default.fileExists(atPath: path) else { return 0 }
            return try AuditLog.read(path: path).records.filter { $0.step == .applied }.count
        }
    }

    static func addresses() -> Set<String> { Set((1...pods).map { "127.0.0.1:\(20_000 + $0)" }) }

    /// The fake API server with the pods, and a directory with the rule that restarts deployment/web
    /// on its memory alert, applied without asking.
    static func cluster() async throws -> (FakeAPIServer, TemporaryDirectory) {
        let server = try FakeAPIServer()
        for index in 1...pods {
            let pod: [String: Any] = [
                "apiVersion": "v1", "kind": "Pod",
                "metadata": [
                    "name": "shop-\(index)", "namespace": "shop", "uid": "uid-shop-\(index)",
                    "annotations": ["prometheus.io/scrape": "true"],
                ],
                "spec": ["containers": [["name": "app", "ports": [["containerPort": 20_000 + index]]]]],
                "status": ["podIP": "127.0.0.1", "phase": "Running"],
            ]
            let body = try JSONSerialization.data(withJSONObject: ["object": pod])
            try await server.control("/__create", String(decoding: body, as: UTF8.self))
        }
        let directory = try TemporaryDirectory("cluster")
        try """
        playbooks:
          - name: memory-alert
            cause: memory-alert
            summary: Memory alert; a restart frees the leaked memory
            when: {all: [{alert: WebMemoryHigh}]}
            then: [{action: restart}]
            autonomy: apply

        """.write(to: directory.file("alerts.rules.yaml"), atomically: true, encoding: .utf8)
        return (server, directory)
    }

    /// Each replica's targets once they cover every pod; the test then checks they do not overlap.
    static func split(_ replicas: [Replica]) async throws -> [Set<String>] {
        for replica in replicas {
            let serving = await replica.process.waitForLog { $0.contains { $0["msg"] == "serving HTTP" } }
            #expect(serving, "\(replica.process.stderr.suffix(2000))")
        }
        var sets: [Set<String>] = []
        _ = try await eventually {
            sets = []
            for replica in replicas { sets.append(try await replica.targets()) }
            return sets.reduce(Set()) { $0.union($1) } == addresses()
        }
        return sets
    }

    static func leaseSpec(_ server: FakeAPIServer) async throws -> [String: Any] {
        let body = try await fetch(server.url + lease).body
        let lease = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        return lease?["spec"] as? [String: Any] ?? [:]
    }

    static func restarts(_ server: FakeAPIServer) async throws -> Int {
        try await server.log().filter {
            $0.method == "PATCH" && $0.path == deployment && !$0.query.contains(["dryRun", "All"])
        }.count
    }

    @Test func threeReplicasSplitTheTargetsAndOnlyTheLeaderAppliesOnce() async throws {
        let (server, directory) = try await Self.cluster()
        var replicas = try (0..<3).map { try Replica($0, shards: nil, directory: directory.url, server: server) }

        // No overlap, no gap, and exactly Prometheus's hashmod split.
        let sets = try await Self.split(replicas)
        #expect(sets.reduce(Set()) { $0.union($1) } == Self.addresses(), "\(replicas.map(\.process.stderr))")
        #expect(sets.map(\.count).reduce(0, +) == Self.pods, "no target in two shards: \(sets)")
        for (index, set) in sets.enumerated() {
            #expect(set == Self.addresses().filter { HashMod.of($0, modulus: 3) == UInt64(index) })
        }

        // One leader. The alert reaches one follower only (Alertmanager posts to the Service, which picks
        // a pod): the follower proposes, hands the proposal over on the board, and the leader applies it.
        #expect(
            try await eventually { !(try await Self.leaseSpec(server)["holderIdentity"] as? String ?? "").isEmpty }
        )
        let leaderName = try await Self.leaseSpec(server)["holderIdentity"] as? String
        let leader = try #require(replicas.first { $0.identity == leaderName })
        let followers = replicas.filter { $0 !== leader }
        let witness = followers[0]
        #expect(
            try await postJSON(
                witness.base + "/webhook/alertmanager",
                DaemonAlertsAndApprovalsTests.delivery("firing"),
                token: Self.token
            ).status == 200
        )
        #expect(
            try await eventually { try await Self.restarts(server) == 1 },
            "\(leader.process.stderr.suffix(3000))"
        )
        #expect(
            await eventually { witness.logged("refused", reason: "not-leader") },
            "\(witness.process.stderr.suffix(2000))"
        )
        #expect(witness.process.logLines.contains { $0["msg"] == "handed over to the leader" })
        // On the server's log: the one change, and the Lease's last accepted write before it (the claim,
        // or a renewal after it; a renewal read before the claim is refused as stale) names the leader as
        // holder and lists the proposal.
        let requests = try await server.log()
        let change = try #require(
            requests.firstIndex {
                $0.method == "PATCH" && $0.path == Self.deployment && !$0.query.contains(["dryRun", "All"])
            }
        )
        let claim = try #require(
            requests[..<change].lastIndex {
                $0.method == "PUT" && $0.path == Self.lease && $0.status == 200
            }
        )
        #expect(requests[claim].body?.contains(#""holderIdentity":"\#(leaderName ?? "")""#) == true)
        #expect(requests[claim].body?.contains("vigil.dev/applied-proposals") == true)

        #expect(await leader.process.waitForLog { $0.contains { $0["msg"] == "applied" } })
        // The leader dies without releasing the lease; another replica takes it within the lease's
        // duration plus the candidates' retry periods, and does not apply the fix again.
        leader.process.signal(SIGKILL)
        var successor: String?
        #expect(
            try await eventually(Self.leaseDuration * 4) {
                let holder = try await Self.leaseSpec(server)["holderIdentity"] as? String ?? ""
                successor = holder.isEmpty || holder == leaderName ? nil : holder
                return successor != nil
            }
        )
        let spec = try await Self.leaseSpec(server)
        let acquired = try #require(LeaseTime.parse(spec["acquireTime"] as? String))
        // The dead leader's last renewal as the server accepted it, read from its log after the takeover:
        // read from the Lease before the kill, it let a stall of this test's pool between the read and the
        // kill (CI's parallel run has kept the pool busy for over a minute) count as handover time, while
        // the leader went on renewing.
        let renewal = try #require(
            try await server.log().last {
                $0.method == "PUT" && $0.path == Self.lease && $0.status == 200
                    && $0.body?.contains(#""holderIdentity":"\#(leaderName ?? "")""#) == true
            }
        )
        let renewed = try JSONSerialization.jsonObject(with: Data((renewal.body ?? "").utf8)) as? [String: Any]
        let lastRenew = try #require(LeaseTime.parse((renewed?["spec"] as? [String: Any])?["renewTime"] as? String))
        let handover = acquired.timeIntervalSince(lastRenew)
        // Never early: a candidate waits out the whole lease from the last renewal it saw (the lease's
        // times are whole microseconds). And soon after: the duration, a retry period with client-go's
        // 1.2 jitter each for noticing and for writing, and up to one more lease of scheduling delay —
        // the whole suite runs beside these three processes on two cores.
        #expect(handover >= Self.leaseDuration - 0.001, "taken over after \(handover) s")
        #expect(handover <= 2 * Self.leaseDuration + 2 * 1.2 * Self.retryPeriod, "handover took \(handover) s")
        #expect(spec["leaseTransitions"] as? Int == 1)
        let newLeader = try #require(followers.first { $0.identity == successor })
        #expect(
            await eventually { newLeader.logged("refused", reason: "already-applied") },
            "\(newLeader.process.stderr.suffix(2000))"
        )
        #expect(try await Self.restarts(server) == 1, "applied once, by one leader")
        #expect(try leader.appliedRecords() == 1)
        for follower in followers { #expect(try follower.appliedRecords() == 0) }

        // Two replicas now (the StatefulSet scaled down and rolled with --shards 2): a new split.
        for follower in followers { follower.process.signal(SIGTERM) }
        for follower in followers { #expect(await follower.process.exitStatus(within: 25) == 0) }
        replicas = try (0..<2).map { try Replica($0, shards: 2, directory: directory.url, server: server) }
        let halves = try await Self.split(replicas)
        for (index, set) in halves.enumerated() {
            #expect(set == Self.addresses().filter { HashMod.of($0, modulus: 2) == UInt64(index) })
        }
        for replica in replicas { replica.process.signal(SIGTERM) }
        for replica in replicas {
            #expect(await replica.process.exitStatus(within: 25) == 0, "\(replica.process.stderr.suffix(3000))")
        }
    }
}

/// A Lease's `MicroTime`.
enum LeaseTime {
    static func parse(_ text: String?) -> Date? {
        guard let text else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
