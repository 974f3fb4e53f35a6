import Metrics
import Prometheus

/// Vigil's own metrics: swift-metrics, kept in one swift-prometheus registry that `/metrics` writes.
enum VigilMetrics {
    /// The registry, with swift-metrics bootstrapped to it on first use. swift-metrics allows one
    /// bootstrap per process, and tests start many daemons in one process: a lazy static does it once.
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(HelpedMetricsFactory(base: PrometheusMetricsFactory(registry: registry), help: help))
        return registry
    }()

    /// Each metric's `# HELP` text, by name: what it counts, in the words of the docs that explain it.
    static let help: [String: String] = [
        "vigil_build_info": "Always 1; its version label is the Vigil that serves these metrics.",
        // Scraping (README, "Scraping").
        "vigil_scrapes_total": "Scrapes of the targets, by result; a failed scrape stores nothing.",
        "vigil_samples_scraped_total": "Samples read by successful scrapes.",
        "vigil_scrape_ingest_seconds":
            "Time the scrape manager took to label, store and score a scrape's samples (its parsing not included).",
        "vigil_series": "Series the detectors hold.",
        "vigil_series_removed_total":
            "Series removed with their learnt state: no target exposed them for the retention, or their target was removed.",
        "vigil_series_refused_total":
            "Series refused at the store's series limit (neither stored nor scored), at scrapes and at a checkpoint's restore.",
        "vigil_target_scrapes_exceeded_series_limit_total":
            "Scrapes that brought new series past the store's series limit.",
        "vigil_target_scrapes_exceeded_label_limits_total":
            "Scrapes that failed because a new series exceeded a label limit.",
        "vigil_anomalies": "Series whose latest score is at or above the alarm threshold.",
        // Checkpoints and configuration.
        "vigil_checkpoint_writes_total": "Checkpoints of the detectors' state written, by result.",
        "vigil_checkpoint_last_success_timestamp_seconds":
            "When the last checkpoint was written, in seconds since the epoch.",
        "vigil_checkpoint_size_bytes": "Size of the last checkpoint written.",
        "vigil_config_reloads_total": "Configuration reloads (SIGHUP or POST /-/reload), by result.",
        "vigil_config_last_reload_successful":
            "Whether the last configuration load (the start's, or a reload) succeeded: 0 runs an older configuration than the file's.",
        "vigil_config_last_reload_success_timestamp_seconds":
            "When the configuration was last loaded successfully, in seconds since the epoch.",
        // Diagnosis (docs/DIAGNOSIS.md).
        "vigil_incidents": "Incidents the daemon tracks, by state.",
        "vigil_diagnosis_rounds_total": "Diagnosis rounds run.",
        "vigil_diagnosis_last_duration_seconds": "Time the last diagnosis round took.",
        "vigil_recorder_series": "Series whose history the diagnosis recorder keeps.",
        "vigil_recorder_series_refused_total": "Series the diagnosis recorder did not keep, past its series limit.",
        // Alertmanager's webhook and reconciliation.
        "vigil_webhook_requests_total": "Alertmanager webhook deliveries answered, by HTTP status.",
        "vigil_webhook_queue_depth": "Webhook deliveries accepted and not yet taken in.",
        "vigil_webhook_alerts_total": "Alerts delivered by the webhook, by status.",
        "vigil_webhook_duplicates_total":
            "Delivered alerts that changed nothing: a repeat, or a late re-send of one resolved.",
        "vigil_webhook_alerts_refused_total": "New firing alerts not held because the alert book was full.",
        "vigil_webhook_truncated_deliveries_total":
            "Deliveries that Alertmanager truncated (max_alerts); each asks for a reconciliation.",
        "vigil_alertmanager_reconcile_failures_total": "Reconciliations with Alertmanager's alert list that failed.",
        // Remediation (docs/REMEDIATION.md).
        "vigil_remediations_total": "Changes sent to the cluster, by action and result.",
        "vigil_remediation_refusals_total":
            "Changes refused before they were sent, by reason; a guard's repeated refusal of one proposal counts once.",
        "vigil_remediation_pending_proposals": "Proposals waiting for a person's approval.",
        "vigil_remediation_verifications_total": "Applied fixes judged, by action and outcome.",
        "vigil_remediation_verify_seconds": "Time from a fix's apply to its verdict.",
        "vigil_audit_log_writable":
            "0 while the audit log cannot be written (a full disk): nothing is applied, approved or rejected until a write succeeds.",
        "vigil_remediation_turns_missed_total":
            "Remediation rounds, approvals or rejections that could not take the state directory's turn, by reason.",
        "vigil_remediation_leader":
            "1 while this replica holds the remediation Lease and applies fixes, 0 while another holds it or it cannot reach it (its log says why).",
        "vigil_remediation_lease_rights_missing":
            "Rights the remediation Lease and its proposal board need that this replica lacks, as the API server answered its access reviews (checked at start and every 5 minutes; its log names them).",
        "vigil_remediation_rights_missing":
            "Rights the playbooks' actions need where remediation may change the cluster that this replica lacks, as the API server answered its access reviews (with --allow-apply; checked at start and every 5 minutes; its log names them).",
    ]
}
