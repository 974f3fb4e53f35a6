import Foundation
import Logging
import Metrics
import VigilEngine
import VigilHTTP
import VigilRules
import VigilScrape
import VigilServer

/// Re-reads the configuration (on `SIGHUP` or `POST /-/reload`) and applies what can change live: the
/// targets and their settings, and the diagnosis rules (their files are re-read; a bad rule file
/// refuses the whole reload, with every error listed, and the running rules go on). Learnt state is kept: a target configured as before keeps its series,
/// and a series that comes back under a new target finds its detector where it left it. A file with
/// errors changes nothing; the errors are logged and answered.
actor ConfigReloader {
    private let source: RunCommand.ConfigSource
    private let manager: ScrapeManager
    private let diagnosis: Daemon.Diagnosis?
    /// With discovery or sharding, reloaded targets go through here (to join the discovered ones and be
    /// sharded); nil: straight to the manager.
    private let targets: TargetSet?
    private let logger: Logger
    /// Whether the server authenticates its requests (the webhook's too): fixed at start.
    private let authenticated: Bool
    private var current: DaemonConfig
    private let reloads = (
        success: Counter(label: "vigil_config_reloads_total", dimensions: [("result", "success")]),
        failure: Counter(label: "vigil_config_reloads_total", dimensions: [("result", "failure")])
    )
    /// Prometheus's pair (`prometheus_config_last_reload_successful`, `…_success_timestamp_seconds`):
    /// whether the running configuration is the file's, and since when, so that a daemon left on an
    /// old configuration by a refused reload can be alerted on (VigilConfigReloadFailed). The start's
    /// load counts as a successful one, as Prometheus counts it.
    private let lastReload = (
        successful: Gauge(label: "vigil_config_last_reload_successful"),
        at: Gauge(label: "vigil_config_last_reload_success_timestamp_seconds")
    )

    init(
        source: RunCommand.ConfigSource,
        current: DaemonConfig,
        manager: ScrapeManager,
        diagnosis: Daemon.Diagnosis? = nil,
        targets: TargetSet? = nil,
        authenticated: Bool,
        logger: Logger
    ) {
        self.targets = targets
        self.authenticated = authenticated
        self.source = source
        self.current = current
        self.manager = manager
        self.diagnosis = diagnosis
        self.logger = logger
        succeeded()
    }

    private nonisolated func succeeded() {
        lastReload.successful.record(1)
        lastReload.at.record(Date().timeIntervalSince1970)
    }

    private func failed() {
        reloads.failure.increment()
        lastReload.successful.record(0)
    }

    func reload(trigger: String) async -> Result<String, VigilServer.ReloadError> {
        let next: DaemonConfig
        let rules: RuleSet?
        do throws(DaemonConfig.Invalid) {
            next = try source.load()
            rules = try next.rules()
            // The policy and the server's authentication are the start's: only the rules are new.
            try ForgedAlertGuard.check(rules: rules, policy: current.remediation, authenticated: authenticated)
        } catch {
            failed()
            logger.error(
                "configuration reload refused; keeping the running one",
                metadata: ["trigger": "\(trigger)", "errors": "\(error)"]
            )
            return .failure(VigilServer.ReloadError(error.description))
        }
        let cluster = current.cluster.restartOnlyChanges(to: next.cluster)
        guard cluster.isEmpty else {
            failed()
            let message =
                "configuration reload refused: \(cluster.joined(separator: ", ")) cannot change while running; "
                + "change it on every replica with a restart (kubectl rollout restart statefulset/vigil)"
            logger.error("\(message)", metadata: ["trigger": "\(trigger)"])
            return .failure(VigilServer.ReloadError(message))
        }
        // Only the targets change live; everything else is read once at start. Say so rather than
        // report a reload that silently ignored part of the file.
        var notes: [String] = []
        if (next.listenHost, next.listenPort) != (current.listenHost, current.listenPort) {
            notes.append("listen address changes at the next restart")
        }
        if next.detectorParameters != current.detectorParameters || next.detectorBackfill != current.detectorBackfill
            || next.stateDirectory != current.stateDirectory
            || next.checkpointInterval != current.checkpointInterval || next.seriesRetention != current.seriesRetention
        {
            notes.append(
                "detection, state_dir, checkpoint_interval and series_retention changes apply at the next restart"
            )
        }
        if next.seriesLimit != current.seriesLimit {
            notes.append("series_limit changes at the next restart")
        }
        if next.remediation != current.remediation || next.alertmanager != current.alertmanager
            || next.narrator != current.narrator
        {
            notes.append("remediation, alertmanager and narrator changes apply at the next restart")
        }
        if next.logFormat != current.logFormat || next.logLevel != current.logLevel {
            notes.append("log changes apply at the next restart")
        }
        if next.prometheusURL != current.prometheusURL {
            notes.append("prometheus_url is read at start only: its change applies at the next restart")
        }
        if next.diagnosisInterval != current.diagnosisInterval || next.kubeconfig != current.kubeconfig
            || next.kubeContext != current.kubeContext
        {
            notes.append("diagnosis_interval and kubernetes changes apply at the next restart")
        }
        if next.discovery != current.discovery || next.cluster.monitors != current.cluster.monitors {
            // The discovery jobs hold their watches for the process's life (the shard and the lease were
            // refused above: they cannot change on one replica alone).
            notes.append("kubernetes_sd_configs and cluster.monitors changes apply at the next restart")
        }
        var ruleSummary = ""
        switch (rules, diagnosis) {
        case (let rules?, let diagnosis?):
            // The recorder first (series no rule selects any more are dropped), then the manager asks
            // every series again, then the engine diagnoses with the new rules.
            diagnosis.recorder.select(rules)
            await manager.reselectSamples()
            await diagnosis.service.update(rules: rules)
            current.ruleFiles = next.ruleFiles
            ruleSummary = ", \(rules.signals.count) signal rules, \(rules.playbooks.count) playbooks"
        case (_?, nil):
            notes.append("diagnosis starts at the next restart")
        case (nil, _?):
            notes.append("diagnosis stops at the next restart; the running rules are kept until then")
        case (nil, nil):
            break
        }
        current.targets = next.targets
        if let targets {
            await targets.update(configured: next.targets)
        } else {
            await manager.update(targets: next.targets)
        }
        reloads.success.increment()
        succeeded()
        let summary =
            "configuration reloaded: \(next.targets.count) targets\(ruleSummary)"
            + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))")
        logger.info(
            "configuration reloaded",
            metadata: [
                "trigger": "\(trigger)", "targets": "\(next.targets.count)",
                "notes": "\(notes.joined(separator: "; "))",
            ]
        )
        return .success(summary)
    }
}
