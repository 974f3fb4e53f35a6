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
        increment("vigil_remediations_total", [("action", action), ("result", result)])
    }

    func refused(_ reason: String) {
        increment("vigil_remediation_refusals_total", [("reason", reason)])
    }

    func missedTurn(_ reason: String) {
        increment("vigil_remediation_turns_missed_total", [("reason", reason)])
    }

    func verified(_ action: String, _ outcome: String, seconds: Double) {
        increment("vigil_remediation_verifications_total", [("action", action), ("outcome", outcome)])
        verifySeconds.recordNanoseconds(Int64(max(seconds, 0) * 1e9))
    }

    /// The counter `label` with `dimensions`, on this factory, one up.
    private func increment(_ label: String, _ dimensions: [(String, String)]) {
        Counter(label: label, dimensions: dimensions, factory: factory).increment()
    }
}
