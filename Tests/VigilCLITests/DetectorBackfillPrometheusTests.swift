import Foundation
import Testing
import VigilCore
import VigilHTTP
import VigilHistory
import VigilTestKit

@testable import VigilCLI

/// The backfill against Debian's Prometheus: `DetectorBackfillTests`'s series, a day and two hours of
/// 15-s scrapes, written as OpenMetrics, loaded as TSDB blocks and read back through remote read (the
/// default) and `query_range`: either way the detectors learn exactly what the scrapes would have
/// taught them.
@Suite(.serialized)
struct DetectorBackfillPrometheusTests {
    @Test(arguments: [HistoryAPI.auto, .queryRange])
    func prometheusTeachesTheDetectorsWhatTheScrapesWould(_ api: HistoryAPI) async throws {
        let workspace = try TemporaryDirectory("backfill")
        let recording = workspace.file("recording.om")
        try Self.openMetrics().write(to: recording, atomically: true, encoding: .utf8)
        try await TestPrometheus.createBlocks(in: workspace, from: recording)
        let prometheus = try await TestPrometheus.start(
            in: workspace,
            config: "scrape_configs: []\n",
            arguments: ["--storage.tsdb.retention.time=100y"]
        )
        defer { withExtendedLifetime(prometheus) {} }

        let backfill = DetectorBackfill(
            url: prometheus.api,
            jobs: [.init(name: "app", interval: DetectorBackfillTests.interval)],
            span: DetectorBackfillTests.span,
            parameters: EnsembleParameters(),
            seriesLimit: 100,
            api: api,
            clock: ManualClock()  // the deadline never passes: a busy pool cannot cut the reading short
        )
        let learnt = await backfill.learn(now: DetectorBackfillTests.now)
        #expect(learnt.failures.isEmpty, "\(learnt.failures)")
        #expect(learnt.snapshot.series.count == DetectorBackfillTests.series.count)
        #expect(learnt.points == DetectorBackfillTests.series.count * DetectorBackfillTests.points)
        #expect(
            DetectorBackfillTests.learnt(learnt.snapshot)
                == DetectorBackfillTests.learnt(DetectorBackfillTests.scraped(DetectorBackfillTests.series).snapshot())
        )
    }

    /// The user's view: a daemon started with `prometheus_url:` and no checkpoint judges its first scrape.
    /// Prometheus holds the last 26 hours of a queue that sat at 100 ± 3; the target now says 200, and
    /// `GET /api/v1/anomalies` lists it within a scrape or two. (Without the history the detector would
    /// be warming up for a day: `DetectorBackfillTests.theFirstScrapeIsJudged`.)
    @Test func aNewDaemonJudgesItsFirstScrape() async throws {
        let workspace = try TemporaryDirectory("backfill-daemon")
        let (targetPort, vigilPort) = (try LoopbackPort.free(), try LoopbackPort.free())
        let instance = "127.0.0.1:\(targetPort)"
        let end = (Date().timeIntervalSince1970 / 15).rounded(.down) * 15 - 15
        var history = "# TYPE queue_depth gauge\n"
        for time in stride(from: end - 26 * 3_600, through: end, by: 15) {
            history +=
                "queue_depth{instance=\"\(instance)\",job=\"app\"} \(100 + Int(time / 15) % 7 - 3) \(Int(time))\n"
        }
        try (history + "# EOF\n").write(to: workspace.file("history.om"), atomically: true, encoding: .utf8)
        try await TestPrometheus.createBlocks(in: workspace, from: workspace.file("history.om"))
        let prometheus = try await TestPrometheus.start(in: workspace, config: "scrape_configs: []\n")
        defer { withExtendedLifetime(prometheus) {} }

        let site = workspace.file("site")
        try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
        try "# TYPE queue_depth gauge\nqueue_depth 200\n".write(
            to: site.appendingPathComponent("metrics"),
            atomically: true,
            encoding: .utf8
        )
        let target = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/python3"),
            ["-m", "http.server", "--bind", "127.0.0.1", "--directory", site.path, String(targetPort)],
            workingDirectory: workspace.url
        )
        defer { withExtendedLifetime(target) {} }
        try """
        listen: 127.0.0.1:\(vigilPort)
        prometheus_url: \(prometheus.api)
        global: {scrape_interval: 15s}
        scrape_configs:
          - job_name: app
            static_configs: [{targets: ["\(instance)"]}]

        """.write(to: workspace.file("vigil.yaml"), atomically: true, encoding: .utf8)
        let daemon = try ChildProcess.vigil(["--config", workspace.file("vigil.yaml").path, "--log-format", "json"])

        #expect(
            await daemon.waitForLog(seconds: 60) {
                $0.contains { $0["msg"] == "detectors learnt from prometheus's history" && $0["series"] == "1" }
            },
            "\(daemon.stderr)"
        )
        let listed = await eventually(60) {
            guard let (status, body) = try? await fetch("http://127.0.0.1:\(vigilPort)/api/v1/anomalies") else {
                return false
            }
            return status == 200 && body.contains("queue_depth")
        }
        #expect(listed, "vigil: \(daemon.stderr.suffix(3000))\ntarget: \(target.stderr.suffix(500))")
    }

    /// The series, every scrape from the backfill's first instant to its last, grouped by family.
    static func openMetrics() -> String {
        var text = ""
        var family = ""
        for (labels, value) in DetectorBackfillTests.series {
            let name = labels["__name__"]!
            let familyName = name.hasSuffix("_total") ? String(name.dropLast(6)) : name
            if familyName != family {
                family = familyName
                text += "# TYPE \(family) \(name.hasSuffix("_total") ? "counter" : "gauge")\n"
            }
            let rendered = labels.filter { $0.key != "__name__" }.sorted { $0.key < $1.key }
                .map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")
            for time in stride(
                from: DetectorBackfillTests.start,
                through: DetectorBackfillTests.end,
                by: DetectorBackfillTests.interval
            ) {
                text += "\(name){\(rendered)} \(value(time)) \(Int(time))\n"
            }
        }
        return text + "# EOF\n"
    }
}
