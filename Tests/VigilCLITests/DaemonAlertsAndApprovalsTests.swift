import Foundation
import Testing
import VigilEngine
import VigilHTTP
import VigilRules
import VigilTestKit

#if canImport(Glibc)
import Glibc
#endif

/// `vigil run` as a webhook receiver and a remediator, against the fake API server: an alert becomes one
/// incident (duplicates ignored, closed on resolve), its proposal waits for a person, `vigil proposals`
/// shows it, an authenticated approval applies it, and the audit log says who approved it.
@Suite struct DaemonAlertsAndApprovalsTests {
    static let sample = try! String(
        contentsOf: repositoryRoot.appendingPathComponent(
            "Tests/VigilEngineTests/Fixtures/alertmanager-webhook-sample.json"
        ),
        encoding: .utf8
    )

    /// The captured body with the alert relabelled for deployment/web in shop, in `status`.
    static func delivery(_ status: String) -> [UInt8] {
        var payload = try! JSONSerialization.jsonObject(with: Data(sample.utf8)) as! [String: Any]
        var alert = (payload["alerts"] as! [[String: Any]])[0]
        alert["labels"] = [
            "alertname": "WebMemoryHigh", "namespace": "shop", "deployment": "web", "severity": "warning",
        ]
        alert["status"] = status
        if status == "resolved" { alert["endsAt"] = "2026-11-29T16:10:00Z" }
        payload["alerts"] = [alert]
        payload["status"] = status
        return Array(try! JSONSerialization.data(withJSONObject: payload))
    }

    static let lease = "/apis/coordination.k8s.io/v1/namespaces/shop/leases/vigil-remediation"

    /// Polls `path` (at most ~10 s) until `condition` holds for its body.
    static func until(_ url: String, token: String, _ condition: (String) -> Bool) async throws -> String {
        var body = try await fetch(url, token: token).body
        for _ in 0..<200 where !condition(body) {
            try await Task.sleep(for: .milliseconds(50))
            body = try await fetch(url, token: token).body
        }
        return body
    }

    /// A replica configured to elect but run without --allow-apply takes part in no election: it may not
    /// apply, and a Lease it held kept a person's `vigil diagnose --apply` waiting on it.
    @Test func withoutAllowApplyAConfiguredElectionHoldsNoLease() async throws {
        let server = try FakeAPIServer()
        let port = try LoopbackPort.free()
        let directory = try TemporaryDirectory("no-election")
        try """
        listen: 127.0.0.1:\(port)
        log: {format: json}
        diagnosis_interval: 1s
        rule_files: ['\(repositoryRoot.appendingPathComponent("rules").path)']
        kubernetes: {kubeconfig: \(server.kubeconfig.path)}
        cluster: {leader_election: {namespace: shop}}

        """.write(to: directory.file("vigil.yaml"), atomically: true, encoding: .utf8)
        let daemon = try ChildProcess.vigil(["--config", directory.file("vigil.yaml").path])
        #expect(
            await daemon.waitForLog {
                $0.contains { $0["msg"] == "serving HTTP" }
                    && $0.contains { $0["msg"]?.hasPrefix("cluster.leader_election without --allow-apply") == true }
            },
            "\(daemon.stderr)"
        )
        // The cluster watch is under way (its watch request follows its list), as an elector's first
        // request would be by then.
        #expect(
            try await eventually {
                try await server.log().contains { $0.path.hasSuffix("/pods") && $0.query.contains(["watch", "true"]) }
            }
        )
        let touched = try await server.log().filter { $0.path.contains("/leases") || $0.path.contains("/configmaps") }
        #expect(touched.isEmpty, "\(touched)")
        let metrics = try await fetch("http://127.0.0.1:\(port)/metrics").body
        #expect(!metrics.contains("vigil_remediation_leader{"), "no election, no gauge")
        // Nor does it ask for rights it would use only to apply.
        let reviews = try await server.log().compactMap(\.review)
        #expect(reviews.isEmpty, "\(reviews)")
        #expect(!metrics.contains("rights_missing"), "\(metrics)")
    }

    /// With `--allow-apply`, a replica asks at start for the rights the Lease needs and those its playbooks'
    /// fixes need, and says which it lacks, each as `kubectl auth can-i` takes it: a replica without a right
    /// only a leader uses learnt it only when the leader was gone, and a missing verb surfaced only as a
    /// refused fix at an incident.
    @Test func aReplicaLackingRightsSaysWhichAtStart() async throws {
        let server = try FakeAPIServer()
        try await server.control("/__deny", #"{"verb": "update", "resource": "leases", "namespace": "shop"}"#)
        try await server.control(
            "/__deny",
            #"{"verb": "patch", "group": "apps", "resource": "deployments", "subresource": "", "namespace": ""}"#
        )
        let port = try LoopbackPort.free()
        let directory = try TemporaryDirectory("rights")
        try """
        listen: 127.0.0.1:\(port)
        log: {format: json}
        state_dir: \(directory.file("state").path)
        rule_files: ['\(repositoryRoot.appendingPathComponent("rules").path)']
        kubernetes: {kubeconfig: \(server.kubeconfig.path)}

        """.write(to: directory.file("vigil.yaml"), atomically: true, encoding: .utf8)
        let daemon = try ChildProcess.vigil(["--config", directory.file("vigil.yaml").path, "--allow-apply"])
        let lacking = "this replica lacks rights the remediation Lease needs"
        let lackingFixes = "this replica lacks rights remediation needs"
        #expect(
            await daemon.waitForLog { lines in
                lines.contains { $0["msg"] == "serving HTTP" }
                    && [lacking, lackingFixes].allSatisfy { told in
                        lines.contains { $0["msg"]?.hasPrefix(told) == true }
                    }
            },
            "\(daemon.stderr)"
        )
        let told = try #require(daemon.logLines.first { $0["msg"]?.hasPrefix(lacking) == true })
        #expect(
            told["missing"]
                == "update leases.coordination.k8s.io/vigil-remediation -n shop (to take the lead when the leader is gone, and to renew it)"
        )
        #expect(
            told["fix"]?.contains("kubectl auth can-i update leases.coordination.k8s.io/vigil-remediation -n shop")
                == true
        )
        // The default rules propose rollbacks, resource changes and restarts of deployments, in every
        // namespace (no remediation.namespaces.allow).
        let toldFixes = try #require(daemon.logLines.first { $0["msg"]?.hasPrefix(lackingFixes) == true })
        #expect(toldFixes["missing"] == "patch deployments.apps -A (for undo, set-resources, restart)", "\(toldFixes)")
        #expect(
            toldFixes["fix"]?.contains("asked in every namespace (-A), which only a ClusterRoleBinding grants") == true
        )
        let metrics = try await fetch("http://127.0.0.1:\(port)/metrics").body
        #expect(
            metrics.contains("\nvigil_remediation_lease_rights_missing{lease=\"shop/vigil-remediation\"} 1.0\n"),
            "\(metrics)"
        )
        #expect(metrics.contains("\nvigil_remediation_rights_missing 1.0\n"), "\(metrics)")
        let reviews = try await server.log().compactMap(\.review)
        #expect(Set(reviews).count == reviews.count, "each right asked once: \(reviews)")
        let rules = try RuleSet.load([repositoryRoot.appendingPathComponent("rules").path])
        let needed = RemediationRights.needed(by: rules.playbooks, policy: RemediationPolicy())
        #expect(reviews.count == 6 + needed.count, "the Lease's six and the fixes' \(needed.count)")
    }

    @Test func anAlertBecomesOneIncidentWhoseProposalAnApprovalApplies() async throws {
        let server = try FakeAPIServer()
        let port = ChildProcess.port(9)
        let directory = try TemporaryDirectory("approvals")
        let access = try LifecycleAccess()
        try """
        playbooks:
          - name: memory-alert
            cause: memory-alert
            summary: Memory alert; a restart frees the leaked memory
            when: {all: [{alert: WebMemoryHigh}]}
            then: [{action: restart}]
            autonomy: approve

        """.write(to: directory.file("alerts.rules.yaml"), atomically: true, encoding: .utf8)
        try """
        listen: 127.0.0.1:\(port)
        log: {format: json}
        state_dir: \(directory.file("state").path)
        diagnosis_interval: 1s
        rule_files: ['*.rules.yaml']
        kubernetes: {kubeconfig: \(server.kubeconfig.path)}

        """.write(to: directory.file("vigil.yaml"), atomically: true, encoding: .utf8)
        let daemon = try ChildProcess.vigil(
            [
                "--config", directory.file("vigil.yaml").path, "--allow-apply",
                "--web.enable-approvals", "--web.bearer-token-file", access.file.path,
            ]
        )
        let base = "http://127.0.0.1:\(port)"
        #expect(await daemon.waitForLog { $0.contains { $0["msg"] == "serving HTTP" } }, "\(daemon.stderr)")

        // Unauthenticated, malformed and oversized deliveries are refused, with reasons.
        #expect(try await postJSON(base + "/webhook/alertmanager", Self.delivery("firing"), token: nil).status == 401)
        let bad = try await postJSON(
            base + "/webhook/alertmanager",
            Array(#"{"version": "4"}"#.utf8),
            token: access.token
        )
        #expect(bad.status == 400)
        #expect(bad.body.contains("not an Alertmanager webhook payload: receiver: required"), "\(bad.body)")
        let huge = try await postJSON(
            base + "/webhook/alertmanager",
            [UInt8](repeating: 32, count: 2 << 20),
            token: access.token
        )
        #expect(huge.status == 413)

        // The alert, then the same delivery again (the HA peer): one incident.
        #expect(
            try await postJSON(base + "/webhook/alertmanager", Self.delivery("firing"), token: access.token).status
                == 200
        )
        #expect(
            try await postJSON(base + "/webhook/alertmanager", Self.delivery("firing"), token: access.token).status
                == 200
        )
        let open = try await Self.until(base + "/api/v1/proposals", token: access.token) { $0.contains("\"pending\"") }
        #expect(open.contains(#""state":"pending""#), "\(open)\n\(daemon.stderr)")
        let incidents = try await fetch(base + "/api/v1/incidents?state=open", token: access.token).body
        #expect(incidents.components(separatedBy: #""workload":"deployment/web""#).count == 2, "\(incidents)")
        let counted = try await fetch(base + "/metrics", token: access.token).body
        #expect(counted.contains("vigil_webhook_duplicates_total 1"), "\(counted)")
        // Refusals are counted by their code, the one before authentication (a wrong credentials_file in
        // Alertmanager) too.
        for code in ["401", "400", "413"] {
            #expect(counted.contains(#"vigil_webhook_requests_total{code="\#(code)"} 1"#), "\(counted)")
        }
        // A refusal's code is there before its first refusal, so that increase() sees that one
        // (deploy/alerts.yaml's VigilWebhookRefusing).
        #expect(counted.contains(#"vigil_webhook_requests_total{code="503"} 0"#), "\(counted)")

        // vigil proposals shows it; an approval without credentials is refused; with them, applied.
        let list = try await ChildProcess.run(
            ChildProcess.binary,
            ["proposals", "list", "--url", base, "--bearer-token-file", access.file.path]
        )
        #expect(list.status == 0)
        let id = try #require(list.output.split(separator: "\n").dropFirst().first?.split(separator: " ").first)
        #expect(list.output.contains("pending") && list.output.contains("deployment/web"), "\(list.output)")
        #expect(try await postJSON(base + "/api/v1/proposals/\(id)/approve", [], token: nil).status == 401)
        // A body that is not a JSON object of strings is refused, not read as no claim: nothing is approved.
        for bad in [#"{"by": "#, #"["alice"]"#, #"{"by": 7}"#, #"{"kubectl": ["kubectl"]}"#, #"{"kubectl": ""}"#] {
            let refused = try await postJSON(
                base + "/api/v1/proposals/\(id)/approve",
                Array(bad.utf8),
                token: access.token
            )
            #expect(refused.status == 400, "\(bad): \(refused.body)")
        }
        // An approval names the command `show` printed; another command than the proposal's is not what
        // the person was shown: refused, nothing sent.
        let connection = ["--url", base, "--bearer-token-file", access.file.path]
        let shown = try await ChildProcess.run(ChildProcess.binary, ["proposals", "show", String(id)] + connection)
        let command = try #require(shown.output.split(separator: "\n").first { $0.hasPrefix("$ ") }?.dropFirst(2))
        let otherCommand = try await ChildProcess.run(
            ChildProcess.binary,
            ["proposals", "approve", String(id), "--kubectl", "kubectl scale deployment/web --replicas=0 -n shop"]
                + connection
        )
        #expect(
            otherCommand.status == 1 && otherCommand.output.contains("409: changed: proposal \(id) has changed since"),
            "\(otherCommand.output)"
        )
        let approve = try await ChildProcess.run(
            ChildProcess.binary,
            ["proposals", "approve", String(id), "--kubectl", String(command)] + connection,
            environment: ["USER": "alice"]
        )
        #expect(approve.status == 0, "\(approve.output)")
        #expect(approve.output == "deployment.apps/web restarted\n")
        let restarts = try await server.log().filter {
            $0.method == "PATCH" && $0.path == "/apis/apps/v1/namespaces/shop/deployments/web"
                && !$0.query.contains(["dryRun", "All"])
        }
        #expect(restarts.count == 1)
        // One daemon, no leader_election: with --allow-apply it still holds the remediation Lease (in its
        // context's namespace, where `vigil diagnose --apply` looks for it) and claims the change on it
        // first, so another Vigil process that may change the cluster counts this change in its guards.
        let requests = try await server.log()
        let change = try #require(
            requests.firstIndex {
                $0.method == "PATCH" && $0.path == "/apis/apps/v1/namespaces/shop/deployments/web"
                    && !$0.query.contains(["dryRun", "All"])
            }
        )
        let claim = requests[..<change].last { $0.path == Self.lease && $0.method == "PUT" && $0.status == 200 }
        #expect(claim?.body?.contains(#""vigil.dev/applied-proposals":"\#(id)""#) == true, "\(requests)")

        // Resolved: the incident closes.
        #expect(
            try await postJSON(base + "/webhook/alertmanager", Self.delivery("resolved"), token: access.token).status
                == 200
        )
        let closed = try await Self.until(base + "/api/v1/incidents?state=open", token: access.token) {
            $0 == #"{"data":[],"status":"success"}"#
        }
        #expect(closed == #"{"data":[],"status":"success"}"#)

        let audit = try await ChildProcess.run(
            ChildProcess.binary,
            ["audit", "--state-dir", directory.file("state").path, "--proposal", String(id)]
        )
        #expect(audit.output.contains("approved    restart deployment/web -n shop"), "\(audit.output)")
        #expect(audit.output.contains("by user:bearer-token (alice)"), "\(audit.output)")

        // Vigil's own metrics, scraping, diagnosis, the webhook and remediation's among them, pass
        // Prometheus's lint: every family has its HELP (promtool said "no help text" for each of them).
        let exposition = try await fetch(base + "/metrics", token: access.token).body
        #expect(exposition.contains("# HELP vigil_remediations_total "), "\(exposition)")
        #expect(
            exposition.contains("\nvigil_remediation_leader{lease=\"shop/vigil-remediation\"} 1.0\n"),
            "\(exposition)"
        )
        let written = directory.file("metrics.prom")
        try exposition.write(to: written, atomically: true, encoding: .utf8)
        let lint = try await ChildProcess.run(
            URL(fileURLWithPath: "/bin/sh"),
            ["-c", "/usr/bin/promtool check metrics < '\(written.path)'"]
        )
        #expect(lint.status == 0 && lint.output.isEmpty, "\(lint.output)")
        daemon.signal(SIGTERM)
        #expect(await daemon.exitStatus(within: 20) == 0, "\(daemon.stderr.suffix(3000))")
        // Released on the way out: a `vigil diagnose --apply` need not wait out the lease.
        let lease = try JSONSerialization.jsonObject(with: Data(try await fetch(server.url + Self.lease).body.utf8))
        #expect(((lease as? [String: Any])?["spec"] as? [String: Any])?["holderIdentity"] as? String == "")
    }
}
