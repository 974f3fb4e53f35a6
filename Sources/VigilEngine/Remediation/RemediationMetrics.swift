import CoreMetrics

/// Remediation's metrics: `vigil_remediations_total{action,result}` (applied, conflict, failed, undone,
/// undo-failed), `vigil_remediation_refusals_total{reason}`, `vigil_remediation_pending_proposals`,
/// `vigil_remediation_verifications_total{action,outcome}`, `vigil_remediation_verify_seconds` (time from
/// apply to verdict) and `vigil_audit_log_writable` (0 while a full disk stops applying).
struct RemediationMetrics: Sendable {
    let pending = Gauge(label: "vigil_remediation_pending_proposals")
    let writable = Gauge(label: "vigil_audit_log_writable")
    let verifySeconds = Timer(label: "vigil_remediation_verify_seconds")

    init() {
        writable.record(1)
    }

    func count(_ action: String, _ result: String) {
        Counter(label: "vigil_remediations_total", dimensions: [("action", action), ("result", result)]).increment()
    }

    func refused(_ reason: String) {
        Counter(label: "vigil_remediation_refusals_total", dimensions: [("reason", reason)]).increment()
    }

    func verified(_ action: String, _ outcome: String, seconds: Double) {
        Counter(label: "vigil_remediation_verifications_total", dimensions: [("action", action), ("outcome", outcome)])
            .increment()
        verifySeconds.recordNanoseconds(Int64(max(seconds, 0) * 1e9))
    }
}
