import Logging
import VigilEngine
import VigilHTTP
import VigilHistory
import VigilRules

/// `prometheus_url:` at the daemon's start: the diagnosis's history seeded with Prometheus's record of
/// the rules' series over the recorder's retention, through the same reader as `vigil diagnose
/// --prometheus`, so baselines are right at once instead of after a warm-up. Bounded: each request by
/// a timeout and a body cap, the whole read by a deadline (the first scrape waits no longer), the
/// result by the recorder's own series and point limits. A failure or a missed deadline is logged and
/// the daemon learns from zero, as it would without the setting.
struct HistoryBackfill {
    var url: String
    /// The scrape interval: the step that gives the points a scrape would have recorded.
    var step: Double
    var transport: any HTTPTransport = CurlHTTPClient()
    var requestTimeout: Double = 15
    var maxResponseBytes = 64 << 20
    /// How long the first scrape may wait for the whole backfill (read beside the detectors' backfill,
    /// while the HTTP server answers and `/readyz` says "not ready").
    var deadline: Duration = .seconds(20)
    var clock: any _Concurrency.Clock<Duration> = ContinuousClock()

    private enum Outcome {
        case read(MetricHistory, warnings: [String])
        case failed(String)
    }

    func run(into recorder: SignalRecorder, rules: RuleSet, now: Double, logger: Logger) async {
        let plan = RangeQueryPlan(
            selectors: SignalRecorder.selectors(of: rules).map { $0.promQL() },
            start: now - recorder.configuration.retention,
            end: now,
            step: step
        )
        let source = PrometheusSource(url: url, timeout: requestTimeout, maxResponseBytes: maxResponseBytes)
        let reader = PrometheusHistoryReader(source: source, transport: transport)
        // At the deadline the read is cancelled (its requests with it) and nothing of it is kept.
        let (outcome, timedOut) = await withDeadline(deadline, clock: clock) { () -> Outcome in
            do throws(HistoryReadError) {
                let (history, stats) = try await reader.readMeasured(plan)
                return .read(history, warnings: stats.warnings)
            } catch {
                return .failed(error.description)
            }
        }
        // A stop (SIGTERM) cancels the read: nothing to say of it.
        guard !Task.isCancelled else { return }
        switch timedOut ? nil : outcome {
        case .read(let history, let warnings)?:
            for warning in warnings {
                logger.warning(
                    "prometheus answered with a warning: part of the diagnosis history may be missing",
                    metadata: ["warning": "\(warning)"]
                )
            }
            let taken = recorder.backfill(history)
            logger.info(
                "backfilled the diagnosis history from prometheus",
                metadata: [
                    "url": "\(url)", "series": "\(taken.series)", "points": "\(taken.points)",
                    "requests": "\(plan.queries.count)",
                ]
            )
        case .failed(let error)?:
            logger.warning(
                "backfill from prometheus failed: learning from zero",
                metadata: ["url": "\(url)", "error": "\(error)"]
            )
        case nil:
            logger.warning(
                "backfill from prometheus took longer than its deadline: learning from zero",
                metadata: ["url": "\(url)", "deadline": "\(deadline)"]
            )
        }
    }
}
