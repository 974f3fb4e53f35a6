import CoreMetrics

/// Remediation's metrics: `vigil_remediations_total{action,result}` (applied, conflict, failed, undone,
/// undo-failed), `vigil_remediation_refusals_total{reason}`, `vigil_remediation_pending_proposals`,
/// `vigil_remediation_verifications_total{action,outcome}`, `vigil_remediation_verify_seconds` (time from
/// apply to verdict), `vigil_audit_log_writable` (0 while a full disk stops applying) and
/// `vigil_remediation_turns_missed_total{reason}` (a round or approval that did nothing because it could
/// not take the state directory's turn: `busy`, another process kept it; `lock-failed`, the file system's
/// lock failed; `log-unreadable`, what others appended could not be read).
struct RemediationMetrics: Sendable {
    let factory: any MetricsFactory
    let pending: Gauge
    let writable: Gauge
    let verifySeconds: Timer

    init(factory: any MetricsFactory) {
        self.factory = factory
        pending = Gauge(label: "vigil_remediation_pending_proposals", factory: factory)
        writable = Gauge(label: "vigil_audit_log_writable", factory: factory)
        verifySeconds = Timer(label: "vigil_remediation_verify_seconds", factory: factory)
        writable.record(1)
    }

    func count(_ action: String, _ result: String) {
        Counter(
            label: "vigil_remediations_total",
            dimensions: [("action", action), ("result", result)],
            factory: factory
        )
        .increment()
    }

    func refused(_ reason: String) {
        Counter(label: "vigil_remediation_refusals_total", dimensions: [("reason", reason)], factory: factory)
            .increment()
    }

    func missedTurn(_ reason: String) {
        Counter(label: "vigil_remediation_turns_missed_total", dimensions: [("reason", reason)], factory: factory)
            .increment()
    }

    func verified(_ action: String, _ outcome: String, seconds: Double) {
        Counter(
            label: "vigil_remediation_verifications_total",
            dimensions: [("action", action), ("outcome", outcome)],
            factory: factory
        )
        .increment()
        verifySeconds.recordNanoseconds(Int64(max(seconds, 0) * 1e9))
    }
}
