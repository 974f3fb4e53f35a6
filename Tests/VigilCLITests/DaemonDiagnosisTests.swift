import Foundation
import Testing
import VigilHTTP
import VigilTestKit

#if canImport(Glibc)
import Glibc
#endif

/// `vigil run` with rule files: diagnosis rounds, the incidents API and gauges, rule reloads.
struct DaemonDiagnosisTests {
    @Test func diagnosisServesIncidentsCountsThemAndReloadsItsRules() async throws {
        let port = ChildProcess.port(8)
        let directory = try TemporaryDirectory("diagnosis")
        let access = try LifecycleAccess()
        let ruleFile = directory.file("self.rules.yaml")
        let rules = """
            signals:
              - name: scrape_duration
                selector: 'scrape_duration_seconds'

            """
        try rules.write(to: ruleFile, atomically: true, encoding: .utf8)
        let config = directory.file("vigil.yaml")
        // rule_files: relative to the configuration's directory. No cluster anywhere: KUBECONFIG names
        // no file, and this is no pod.
        try """
        listen: 127.0.0.1:\(port)
        log: {format: json}
        diagnosis_interval: 200ms
        rule_files: ['*.rules.yaml']
        scrape_configs:
          - job_name: self
            scrape_interval: 200ms
            scrape_timeout: 200ms
            authorization: {credentials_file: \(access.file.path)}
            static_configs: [{targets: ['127.0.0.1:\(port)']}]

        """.write(to: config, atomically: true, encoding: .utf8)
        let daemon = try ChildProcess.vigil(
            ["--config", config.path] + access.arguments,
            environment: ["KUBECONFIG": directory.file("none").path]
        )
        let base = "http://127.0.0.1:\(port)"
        #expect(await daemon.waitForLog { $0.contains { $0["msg"] == "serving HTTP" } }, "\(daemon.stderr)")
        let diagnosing = try #require(daemon.logLines.first { $0["msg"] == "diagnosing" }, "\(daemon.stderr)")
        #expect(diagnosing["rule_files"] == ruleFile.path)
        #expect(daemon.logLines.contains { $0["msg"]?.hasPrefix("no Kubernetes cluster") == true })

        let incidents = try await fetch(base + "/api/v1/incidents", token: access.token)
        #expect(incidents.status == 200)
        #expect(incidents.body == #"{"data":[],"status":"success"}"#)
        #expect(
            try await fetch(base + "/api/v1/incidents?state=resolved", token: access.token).body
                == #"{"data":[],"status":"success"}"#
        )
        let badState = try await fetch(base + "/api/v1/incidents?state=closed", token: access.token)
        #expect(badState.status == 400)
        #expect(
            badState.body
                == #"{"error":"state: expected open or resolved, got \"closed\"","errorType":"bad_data","status":"error"}"#
        )
        let unknown = try await fetch(base + "/api/v1/incidents/nope", token: access.token)
        #expect(unknown.status == 404)
        #expect(unknown.body == #"{"error":"no incident with id \"nope\"","errorType":"not_found","status":"error"}"#)

        // Rounds run every 200ms, and the gauges say how many incidents there are.
        let exposition = try await metrics(base, token: access.token) { $0.contains("vigil_diagnosis_rounds_total 2") }
        #expect(exposition.contains("vigil_incidents{state=\"open\"} 0"), "\(exposition)")
        #expect(exposition.contains("vigil_incidents{state=\"resolved\"} 0"))
        #expect(exposition.contains("vigil_recorder_series 1"), "the one scrape_duration_seconds series")

        // A bad rule file refuses the reload with every error listed; the running rules go on.
        try (rules + "  - name: broken\n    selector: 'up{'\n  - selector: up\n")
            .write(to: ruleFile, atomically: true, encoding: .utf8)
        let refused = try await fetch(base + "/-/reload", method: .post, token: access.token)
        #expect(refused.status == 500)
        let errors = refused.body.split(separator: "\n")
        #expect(errors.count == 2, "\(refused.body)")
        #expect(errors.allSatisfy { $0.hasPrefix(ruleFile.path + ":") }, "\(refused.body)")
        #expect(try await fetch(base + "/api/v1/incidents", token: access.token).status == 200)

        try (rules + "  - name: up\n    selector: up\n").write(to: ruleFile, atomically: true, encoding: .utf8)
        let applied = try await fetch(base + "/-/reload", method: .post, token: access.token)
        #expect(applied.body == "configuration reloaded: 1 targets, 2 signal rules, 0 playbooks\n")
        let after = try await metrics(base, token: access.token) { $0.contains("vigil_recorder_series 2") }
        #expect(after.contains("vigil_recorder_series 2"), "up is recorded too after the reload")
        daemon.signal(SIGTERM)
        #expect(await daemon.exitStatus(within: 20) == 0)
    }

    /// `/metrics` once `condition` holds (or after about five seconds).
    func metrics(_ base: String, token: String, until condition: (String) -> Bool) async throws -> String {
        var body = try await fetch(base + "/metrics", token: token).body
        for _ in 0..<100 where !condition(body) {
            try await Task.sleep(for: .milliseconds(50))
            body = try await fetch(base + "/metrics", token: token).body
        }
        return body
    }
}
