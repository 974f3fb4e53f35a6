import Foundation
import Testing
import VigilHTTP
import VigilTestKit

#if canImport(Glibc)
import Glibc
#endif

/// Debian's Alertmanager, unmodified, delivering to `vigil run` on loopback: alerts fired through its
/// API v2 (no hand-built payloads), two Alertmanagers delivering the same alert (an HA pair whose gossip
/// is down), the resolved notification, and reconciliation against Alertmanager's own list.
@Suite(.serialized)
struct AlertmanagerIntegrationTests {
    let workspace = try! TemporaryDirectory("am")

    /// An Alertmanager on `port` whose one receiver is Vigil's webhook, with Vigil's bearer token.
    func alertmanager(_ port: Int, vigil: Int, token: String, groupWait: String) throws -> ChildProcess {
        let directory = workspace.file("am-\(port)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try """
        route:
          receiver: vigil
          group_by: [alertname, namespace]
          group_wait: \(groupWait)
          group_interval: 1s
          repeat_interval: 1h
        receivers:
          - name: vigil
            webhook_configs:
              - url: http://127.0.0.1:\(vigil)/webhook/alertmanager
                send_resolved: true
                http_config: {authorization: {type: Bearer, credentials: \(token)}}

        """.write(to: directory.appendingPathComponent("alertmanager.yml"), atomically: true, encoding: .utf8)
        return try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/prometheus-alertmanager"),
            [
                "--config.file=\(directory.appendingPathComponent("alertmanager.yml").path)",
                "--storage.path=\(directory.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=",
            ]
        )
    }

    /// `vigil run` with the default rules, no cluster, reconciling against `alertmanager` when given.
    func vigil(_ port: Int, access: LifecycleAccess, reconcilingWith alertmanager: Int?) throws -> ChildProcess {
        let config = workspace.file("vigil-\(port).yaml")
        let reconcile = alertmanager.map {
            "alertmanager: {url: \"http://127.0.0.1:\($0)\", receiver: vigil, reconcile_interval: 1s}"
        }
        try """
        listen: 127.0.0.1:\(port)
        log: {format: json}
        rule_files: [\(repositoryRoot.appendingPathComponent("rules").path)]
        \(reconcile ?? "")

        """.write(to: config, atomically: true, encoding: .utf8)
        return try ChildProcess.vigil(
            ["--config", config.path, "--web.bearer-token-file", access.file.path],
            environment: ["KUBECONFIG": workspace.file("none").path]
        )
    }

    /// Posts one alert to an Alertmanager's API v2, as Prometheus does; `ends` resolves it.
    func fire(_ port: Int, startsAt: String, endsAt: String? = nil, deployment: String = "checkout") async throws {
        var alert: [String: Any] = [
            "labels": [
                "alertname": "CheckoutErrors", "namespace": "shop", "deployment": deployment, "severity": "critical",
            ],
            "annotations": ["summary": "checkout answers 5xx"], "startsAt": startsAt,
        ]
        alert["endsAt"] = endsAt
        let body = try JSONSerialization.data(withJSONObject: [alert])
        let response = try await CurlHTTPClient().execute(
            HTTPRequest(
                url: "http://127.0.0.1:\(port)/api/v2/alerts",
                method: .post,
                headers: [("Content-Type", "application/json")],
                body: Array(body),
                timeout: 10
            )
        )
        #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
    }

    /// Silences a deployment's alerts for an hour through Alertmanager's API v2, as `amtool silence add` does.
    func silence(_ port: Int, deployment: String) async throws {
        let silence: [String: Any] = [
            "matchers": [["name": "deployment", "value": deployment, "isRegex": false, "isEqual": true]],
            "startsAt": Self.now(), "endsAt": Self.now(offset: 3600), "createdBy": "test", "comment": "maintenance",
        ]
        let response = try await CurlHTTPClient().execute(
            HTTPRequest(
                url: "http://127.0.0.1:\(port)/api/v2/silences",
                method: .post,
                headers: [("Content-Type", "application/json")],
                body: Array(try JSONSerialization.data(withJSONObject: silence)),
                timeout: 10
            )
        )
        #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
    }

    func ready(_ url: String) async -> Bool {
        for _ in 0..<200 {
            if let (status, _) = try? await fetch(url), status == 200 { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// Polls Vigil's open incidents until `count` are open (at most ~20 s); the body.
    func openIncidents(_ base: String, token: String, count: Int) async throws -> String {
        var body = ""
        for _ in 0..<400 {
            body = try await fetch(base + "/api/v1/incidents?state=open", token: token).body
            if body.components(separatedBy: #""workload":"#).count - 1 == count { return body }
            try await Task.sleep(for: .milliseconds(50))
        }
        return body
    }

    static func now(offset: Double = 0) -> String { Timestamp(Date().addingTimeInterval(offset)) }

    static func Timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    @Test func twoAlertmanagersDeliverOneAlertAsOneIncidentClosedOnResolve() async throws {
        let (vigilPort, first, second) = (ChildProcess.port(10), ChildProcess.port(11), ChildProcess.port(12))
        let access = try LifecycleAccess()
        // No reconciliation here: only the deliveries count.
        let vigil = try vigil(vigilPort, access: access, reconcilingWith: nil)
        let managers = [
            try alertmanager(first, vigil: vigilPort, token: access.token, groupWait: "1s"),
            try alertmanager(second, vigil: vigilPort, token: access.token, groupWait: "1s"),
        ]
        let base = "http://127.0.0.1:\(vigilPort)"
        #expect(await ready("http://127.0.0.1:\(first)/-/ready"))
        #expect(await ready("http://127.0.0.1:\(second)/-/ready"))
        #expect(await vigil.waitForLog { $0.contains { $0["msg"] == "serving HTTP" } }, "\(vigil.stderr)")

        let startsAt = Self.now()
        for port in [first, second] { try await fire(port, startsAt: startsAt, endsAt: Self.now(offset: 300)) }
        let open = try await openIncidents(base, token: access.token, count: 1)
        #expect(open.contains(#""workload":"deployment/checkout""#), "\(open)\n\(vigil.stderr)")
        // Both Alertmanagers delivered; the second delivery was a duplicate.
        var metrics = ""
        for _ in 0..<200 {
            metrics = try await fetch(base + "/metrics", token: access.token).body
            if metrics.contains(#"vigil_webhook_alerts_total{status="firing"} 2"#) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(metrics.contains(#"vigil_webhook_alerts_total{status="firing"} 2"#), "\(metrics)")
        #expect(metrics.contains("vigil_webhook_duplicates_total 1"))
        #expect(try await openIncidents(base, token: access.token, count: 1).contains("checkout"))

        // Resolved at both: the incident closes.
        for port in [first, second] { try await fire(port, startsAt: startsAt, endsAt: Self.now()) }
        #expect(try await openIncidents(base, token: access.token, count: 0) == #"{"data":[],"status":"success"}"#)
        let resolved = try await fetch(base + "/api/v1/incidents?state=resolved", token: access.token).body
        #expect(resolved.contains(#""workload":"deployment/checkout""#), "\(resolved)")

        vigil.signal(SIGTERM)
        #expect(await vigil.exitStatus(within: 20) == 0)
        for manager in managers { manager.signal(SIGTERM) }
    }

    /// An alert Vigil never received (its webhook not yet sent) is opened from Alertmanager's list at
    /// start, and closed from it when it resolves — no webhook involved.
    @Test func reconciliationOpensAndClosesWhatTheWebhookNeverDelivered() async throws {
        let (vigilPort, port) = (ChildProcess.port(13), ChildProcess.port(14))
        let access = try LifecycleAccess()
        let manager = try alertmanager(port, vigil: vigilPort, token: access.token, groupWait: "10m")
        #expect(await ready("http://127.0.0.1:\(port)/-/ready"))
        let startsAt = Self.now()
        try await fire(port, startsAt: startsAt, endsAt: Self.now(offset: 300))

        let vigil = try vigil(vigilPort, access: access, reconcilingWith: port)
        let base = "http://127.0.0.1:\(vigilPort)"
        #expect(await vigil.waitForLog { $0.contains { $0["msg"] == "serving HTTP" } }, "\(vigil.stderr)")
        let open = try await openIncidents(base, token: access.token, count: 1)
        #expect(open.contains(#""workload":"deployment/checkout""#), "\(open)\n\(vigil.stderr)")

        try await fire(port, startsAt: startsAt, endsAt: Self.now())
        #expect(try await openIncidents(base, token: access.token, count: 0) == #"{"data":[],"status":"success"}"#)
        let metrics = try await fetch(base + "/metrics", token: access.token).body
        // No delivery was involved: the counters exist from the start, at zero.
        #expect(metrics.contains(#"vigil_webhook_alerts_total{status="firing"} 0"#), "\(metrics)")
        #expect(metrics.contains(#"vigil_webhook_alerts_total{status="resolved"} 0"#), "\(metrics)")

        vigil.signal(SIGTERM)
        #expect(await vigil.exitStatus(within: 20) == 0)
        manager.signal(SIGTERM)
    }

    /// Alertmanager does not deliver a silenced alert to the webhook, and reconciliation, which asked for
    /// silenced ones too, opened it all the same: a person's silence did not keep Vigil from diagnosing,
    /// and acting on, what it holds. Now the list is the alerts Alertmanager would notify Vigil of.
    @Test func reconciliationLeavesOutWhatASilenceHolds() async throws {
        let (vigilPort, port) = (try LoopbackPort.free(), ChildProcess.port(15))
        let access = try LifecycleAccess()
        let manager = try alertmanager(port, vigil: vigilPort, token: access.token, groupWait: "10m")
        #expect(await ready("http://127.0.0.1:\(port)/-/ready"))
        try await fire(port, startsAt: Self.now(), endsAt: Self.now(offset: 300))
        try await fire(port, startsAt: Self.now(), endsAt: Self.now(offset: 300), deployment: "cart")
        try await silence(port, deployment: "cart")

        let vigil = try vigil(vigilPort, access: access, reconcilingWith: port)
        let base = "http://127.0.0.1:\(vigilPort)"
        #expect(await vigil.waitForLog { $0.contains { $0["msg"] == "serving HTTP" } }, "\(vigil.stderr)")
        // Both come in one list, so once the one not silenced is open, the silenced one would be too.
        let open = try await openIncidents(base, token: access.token, count: 1)
        #expect(open.contains(#""workload":"deployment/checkout""#), "\(open)\n\(vigil.stderr)")
        #expect(!open.contains("deployment/cart"), "\(open)")

        vigil.signal(SIGTERM)
        #expect(await vigil.exitStatus(within: 20) == 0)
        manager.signal(SIGTERM)
    }
}
