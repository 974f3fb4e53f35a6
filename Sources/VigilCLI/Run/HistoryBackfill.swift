import Logging
import VigilEngine
import VigilHTTP
import VigilHistory
import VigilRules

/// `prometheus_url:` at the daemon's start: the diagnosis's history seeded with Prometheus's record of
/// the rules' series over the recorder's retention, through the same reader as `vigil diagnose
/// --prometheus`, so baselines are right at once instead of after a warm-up. Bounded: each request by
/// a timeout and a body cap, the result by the recorder's own series and point limits. A failure is
/// logged and the daemon learns from zero, as it would without the setting.
struct HistoryBackfill {
    var url: String
    /// The scrape interval: the step that gives the points a scrape would have recorded.
    var step: Double
    var transport: any HTTPTransport = CurlHTTPClient()
    var requestTimeout: Double = 30
    var maxResponseBytes = 64 << 20

    func run(into recorder: SignalRecorder, rules: RuleSet, now: Double, logger: Logger) async {
        let plan = RangeQueryPlan(
            selectors: SignalRecorder.selectors(of: rules).map { $0.promQL() },
            start: now - recorder.configuration.retention,
            end: now,
            step: step
        )
        let source = PrometheusSource(url: url, timeout: requestTimeout, maxResponseBytes: maxResponseBytes)
        do {
            let history = try await PrometheusHistoryReader(source: source, transport: transport).read(plan)
            let taken = recorder.backfill(history)
            logger.info(
                "backfilled the diagnosis history from prometheus",
                metadata: [
                    "url": "\(url)", "series": "\(taken.series)", "points": "\(taken.points)",
                    "requests": "\(plan.queries.count)",
                ]
            )
        } catch {
            logger.warning(
                "backfill from prometheus failed: learning from zero",
                metadata: ["url": "\(url)", "error": "\(error.description)"]
            )
        }
    }
}
