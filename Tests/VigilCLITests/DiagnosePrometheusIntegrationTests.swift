import Foundation
import Testing
import VigilHTTP
import VigilTestKit

/// Item 5 of the diagnose issue, with real parts: a bundled scenario's metrics loaded into a real
/// Prometheus TSDB by `promtool tsdb create-blocks-from openmetrics`, Prometheus started on it, the
/// scenario's objects and events served by the fake kube-apiserver; `vigil diagnose --prometheus …
/// --kubeconfig …` must give exactly the incidents `--replay` gives (ids, evidence, proposals: the
/// whole JSON).
@Suite(.serialized)
struct DiagnosePrometheusIntegrationTests {
    /// One scenario per kind of signal the engine derives: gauges, counter rates, histogram quantiles,
    /// ratios, a volume's fill, the cluster alone, and a healthy namespace.
    @Test(arguments: [
        "memory-limit-1", "cpu-saturation-1", "latency-regression-1", "dependency-failure-1", "volume-filling-1",
        "crashloop-after-rollout-1", "node-failure-1", "healthy-1",
    ])
    func prometheusAndTheClusterGiveTheReplaysDiagnosis(_ name: String) async throws {
        let scenario = repositoryRoot.appendingPathComponent("sample-metrics/scenarios/\(name)")
        let workspace = try TemporaryDirectory("diag")

        try await TestPrometheus.createBlocks(in: workspace, from: scenario.appendingPathComponent("metrics.om"))
        // An external label, as kube-prometheus sets them: remote read adds it to every series and Vigil
        // takes it off again (RemoteReadTests.externalLabelsAreTakenOff checks the labels themselves);
        // here the diagnosis must come out the same with it.
        let prometheus = try await TestPrometheus.start(
            in: workspace,
            config:
                "global: {scrape_interval: 1m, external_labels: {prometheus_replica: prometheus-0}}\nscrape_configs: []\n",
            arguments: ["--storage.tsdb.retention.time=100y"]
        )
        defer { withExtendedLifetime(prometheus) {} }
        let api = prometheus.api

        let apiserver = try FakeAPIServer(scenario: scenario.path)
        defer { withExtendedLifetime(apiserver) {} }
        let kubeconfig = apiserver.kubeconfig

        let rules = repositoryRoot.appendingPathComponent("rules").path
        // The replay names the same cluster, so both send each proposal's dry run to it and show the answer.
        let replay = await vigil(
            "diagnose",
            "--replay",
            scenario.path,
            "--kubeconfig",
            kubeconfig.path,
            "--rules",
            rules,
            "-o",
            "json"
        )
        // The recording's first and last sample: the range a person would ask Prometheus for.
        let (start, end) = try Self.recordedRange(scenario.appendingPathComponent("metrics.om"))
        // Both of Prometheus's APIs: remote read's stored samples, stepped by Vigil, and query_range's
        // steps evaluated by Prometheus must be the same points, so the same diagnosis.
        for method in ["remote-read", "query-range"] {
            let live = await vigil(
                "diagnose",
                "--prometheus",
                api,
                "--kubeconfig",
                kubeconfig.path,
                "--rules",
                rules,
                "-o",
                "json",
                "--since",
                String(start),
                "--until",
                String(end),
                "--step",
                "30s",
                "--prometheus-api",
                method
            )
            #expect(live.status == replay.status, "\(live.stderr)")
            #expect(live.status == (name.hasPrefix("healthy") ? 0 : 1))
            #expect(live.stdout == replay.stdout, "\(name), \(method): the live diagnosis differs from the replay's")
            #expect(live.stdout.contains("\"incidents\""))
            if live.stdout.contains(#""kubectl" : "#) {
                #expect(
                    live.stdout.contains(#""dry_run" : {"#),
                    "\(name): every proposal went to the cluster as a dry run"
                )
            }
        }
    }

    /// A Prometheus that holds no series for the scope (a wrong URL, namespace or selector) is no evidence
    /// of health: with nothing found it is an error (exit 2), not "No incidents"; with incidents from the
    /// cluster alone, a warning beside them.
    @Test(arguments: [("healthy-1", Int32(2)), ("node-failure-1", Int32(1))])
    func noSeriesIsNoEvidenceOfHealth(_ name: String, _ status: Int32) async throws {
        let scenario = repositoryRoot.appendingPathComponent("sample-metrics/scenarios/\(name)")
        let workspace = try TemporaryDirectory("diag-empty")
        let prometheus = try await TestPrometheus.start(in: workspace, config: "scrape_configs: []\n")
        defer { withExtendedLifetime(prometheus) {} }
        let apiserver = try FakeAPIServer(scenario: scenario.path)
        defer { withExtendedLifetime(apiserver) {} }
        let kubeconfig = apiserver.kubeconfig
        let (start, end) = try Self.recordedRange(scenario.appendingPathComponent("metrics.om"))
        let result = await vigil(
            "diagnose",
            "--prometheus",
            prometheus.api,
            "--kubeconfig",
            kubeconfig.path,
            "-n",
            "shop",
            "--rules",
            repositoryRoot.appendingPathComponent("rules").path,
            "--since",
            String(start),
            "--until",
            String(end)
        )
        #expect(result.status == status, "\(result.stdout)\(result.stderr)")
        let said =
            (status == 2 ? "vigil diagnose: " : "vigil diagnose: warning: ")
            + "Prometheus has no series for the rules' selectors in namespace shop from "
        #expect(result.stderr.contains(said), "\(result.stderr)")
        #expect(result.stderr.contains("nothing here was judged from metrics"), "\(result.stderr)")
    }

    /// The first and last timestamp of an OpenMetrics recording (seconds).
    static func recordedRange(_ file: URL) throws -> (Int, Int) {
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        func time(_ line: Substring?) throws -> Int {
            try #require(line.flatMap { $0.split(separator: " ").last }.flatMap { Int($0) })
        }
        let times = try lines.map { try time($0) }
        return (try #require(times.min()), try #require(times.max()))
    }
}
