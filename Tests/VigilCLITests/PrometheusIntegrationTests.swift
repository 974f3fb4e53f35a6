import Foundation
import Testing
import VigilHTTP
import VigilTestKit

/// The whole chain with real parts: Debian's node_exporter is Vigil's scrape target, and Debian's
/// Prometheus scrapes Vigil's /metrics; what Vigil published is read back through Prometheus's HTTP API.
@Suite(.serialized)
struct PrometheusIntegrationTests {
    let workspace = try! TemporaryDirectory("prom")

    /// The result vector of an instant query, as (labels, value) pairs; empty while Prometheus is not up.
    func query(_ prometheus: String, _ promQL: String) async throws -> [([String: String], String)] {
        let encoded = promQL.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        guard let (status, body) = try? await fetch("\(prometheus)/api/v1/query?query=\(encoded)"), status == 200,
            let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]]
        else { return [] }
        return result.compactMap { sample in
            guard let metric = sample["metric"] as? [String: String], let value = sample["value"] as? [Any],
                value.count == 2, let text = value[1] as? String
            else { return nil }
            return (metric, text)
        }
    }

    /// Polls `promQL` until it returns something, at most `seconds` (and once more at the end, as
    /// ``eventually(_:_:)`` polls: a wait on a busy pool can outlast the deadline between two queries).
    func eventually(
        _ prometheus: String,
        _ promQL: String,
        seconds: Double = 60
    ) async throws -> [([String: String], String)] {
        var result: [([String: String], String)] = []
        _ = try await VigilCLITests.eventually(seconds) {
            result = try await query(prometheus, promQL)
            return !result.isEmpty
        }
        return result
    }

    @Test func prometheusScrapesVigilWhichScrapesANodeExporter() async throws {
        let (nodePort, vigilPort, prometheusPort) = (ChildProcess.port(4), ChildProcess.port(5), ChildProcess.port(6))
        let exporter = try NodeExporter(port: nodePort)
        defer { withExtendedLifetime(exporter) {} }  // running until the test ends, not until its last use
        let vigil = try ChildProcess.vigil(
            [
                "--scrape", "http://127.0.0.1:\(nodePort)/metrics", "--job", "node", "--interval", "1s",
                "--listen", "127.0.0.1:\(vigilPort)", "--log-format", "json",
            ]
        )
        let config = """
            global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
            scrape_configs:
              - job_name: vigil
                static_configs: [{targets: ['127.0.0.1:\(vigilPort)']}]

            """
        // Not waited for: the first query below waits for it and for Vigil alike.
        let prometheus = try await TestPrometheus.start(
            in: workspace,
            config: config,
            port: prometheusPort,
            waitUntilReady: false
        )
        defer { withExtendedLifetime(prometheus) {} }
        let api = prometheus.api

        let up = try await eventually(api, "up{job=\"vigil\"} == 1", seconds: 180)
        #expect(up.count == 1, "vigil: \(vigil.stderr)\nprometheus: \(prometheus.process.stderr.suffix(2000))")
        // Vigil's series keep their own job and instance as exported_job / exported_instance (Prometheus's
        // honor_labels: false), and the original name in `metric`.
        let load = try await eventually(api, "vigil_anomaly_score{metric=\"node_load1\",exported_job=\"node\"}")
        let (labels, value) = try #require(load.first, "vigil: \(vigil.stderr)")
        #expect(labels["job"] == "vigil")
        #expect(labels["exported_instance"] == "127.0.0.1:\(nodePort)")
        #expect(labels["detector"] == "ensemble")
        #expect(Double(value).map { (0...1).contains($0) } == true)
        // Vigil's own view of its target: the synthetic `up` it keeps for node_exporter is scored too,
        // and its self-metrics count the successful scrapes.
        #expect(try await eventually(api, "vigil_anomaly_score{metric=\"up\",exported_job=\"node\"}").count == 1)
        let scrapes = try await eventually(api, "vigil_scrapes_total{job=\"vigil\",result=\"success\"} > 0")
        #expect(scrapes.count == 1)
        // A counter is scored by its rate, under its own name.
        #expect(
            try await eventually(api, "vigil_anomaly_score{metric=\"node_cpu_seconds_total\",mode=\"idle\"}").count >= 1
        )
    }
}
