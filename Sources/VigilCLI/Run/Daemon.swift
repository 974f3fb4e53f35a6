import ArgumentParser
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import UnixSignals
import VigilCore
import VigilEngine
import VigilHTTP
import VigilKube
import VigilRules
import VigilScrape
import VigilServer
import VigilYAML

/// `vigil run` wired up: one `ServiceGroup` of the checkpoint writer, the cluster watcher, the scrape
/// manager, the diagnosis service, the `SIGHUP` reloader and the HTTP server, started in that order and
/// stopped in reverse on `SIGTERM`/`SIGINT`, so the server stops answering first and the last
/// checkpoint is written after the last scrape.
struct Daemon {
    let config: DaemonConfig
    let source: RunCommand.ConfigSource
    /// The rules diagnosis runs with; nil: no diagnosis.
    var rules: RuleSet?
    /// The cluster diagnosis watches; nil: diagnosis sees metrics only.
    var kubeConnection: KubeConnection?
    /// TLS, authentication, mutating endpoints and connection limits of the HTTP server.
    var security = WebSecurity()
    /// This replica's share of the targets (`--shard`/`--shards`).
    var shard = Shard.whole

    func run() async throws {
        let logger = VigilLogging.logger(format: config.logFormat, level: config.logLevel)
        let authenticated = security.authenticator.isConfigured
        // Bootstrap swift-metrics before any service creates a metric.
        let registry = VigilMetrics.registry
        // Prometheus's convention: which build serves these metrics, a constant 1 (join on it in a query).
        Gauge(label: "vigil_build_info", dimensions: [("version", VigilRelease.version)]).record(1)
        let store = SeriesStore(parameters: config.detectorParameters)
        let backfillJobs = config.backfillJobs { shard.owns(address: $0.instance) }
        let backfill = config.prometheusURL.flatMap { url in
            config.detectorBackfill > 0 && !backfillJobs.isEmpty
                ? DetectorBackfill(
                    url: url,
                    jobs: backfillJobs,
                    span: config.detectorBackfill,
                    parameters: config.detectorParameters,
                    seriesLimit: config.seriesLimit,
                    keep: { [shard] in shard.owns(address: $0["instance"] ?? "") }
                ) : nil
        }
        let checkpoint = config.stateDirectory.map(StateCheckpoint.init(directory:))
        let recorder = rules.map { SignalRecorder(rules: $0) }
        // The diagnosis's history from Prometheus, the rules' series over the recorder's retention.
        let historyGate = HistoryGate()
        let readHistory: (@Sendable () async -> Void)? =
            if let url = config.prometheusURL, let rules, let recorder {
                {
                    await HistoryBackfill(url: url, step: config.targets.map(\.interval).min() ?? 15)
                        .run(into: recorder, rules: rules, now: Date().timeIntervalSince1970, logger: logger)
                    await historyGate.open()
                }
            } else {
                nil
            }
        if readHistory == nil { await historyGate.open() }
        let manager = ScrapeManager(
            targets: config.targets.filter { shard.owns(address: $0.instance) },
            transport: CurlHTTPClient(),
            store: store,
            seriesRetention: config.seriesRetention,
            seriesLimit: config.seriesLimit,
            restoring: checkpoint != nil || backfill != nil || readHistory != nil,
            logger: logger
        )
        // What was learnt before: the last checkpoint, else Prometheus's history, and the diagnosis's
        // history beside it; the scrapes wait for both (the server answers meanwhile, /readyz "not
        // ready"). False when a stop cut it short.
        let prepare: @Sendable () async -> Bool = {
            async let history: Void? = readHistory?()
            let restored =
                if let checkpoint { await Self.restore(checkpoint, into: manager, logger: logger) } else { false }
            if !restored, let backfill {
                await backfill.run(into: manager, now: Date().timeIntervalSince1970, logger: logger)
            }
            _ = await history
            await manager.finishRestoring()
            return !Task.isCancelled
        }
        var services: [any Service] = []
        if let checkpoint {
            services.append(
                CheckpointService(
                    checkpoint: checkpoint,
                    interval: .seconds(config.checkpointInterval),
                    logger: logger,
                    restore: prepare,
                    snapshot: { await manager.snapshot() }
                )
            )
        } else {
            logger.notice("no state_dir: learnt state lives in memory only and is lost at exit")
        }
        if config.narrator != nil {
            // One file serves both: the daemon never sends incidents to a model.
            logger.info("narrator: is read by vigil diagnose --narrate only; the daemon does not narrate")
        }
        let watcher = kubeConnection.map {
            ClusterWatcher(client: KubeClient(connection: $0, transport: CurlHTTPClient(), access: .read))
        }
        if let watcher, let kubeConnection {
            services.append(ClusterWatchService(watcher: watcher))
            logger.info("watching the cluster", metadata: ["server": "\(kubeConnection.server)"])
        }
        let targetSet = TargetSet(manager: manager, shard: shard, configured: config.targets)
        if let kubeConnection, !config.discovery.isEmpty || config.cluster.monitors {
            services.append(
                DiscoveryService(
                    client: KubeClient(connection: kubeConnection, transport: CurlHTTPClient(), access: .read),
                    jobs: config.discovery,
                    targets: targetSet,
                    monitors: config.cluster.monitors,
                    logger: logger
                )
            )
            logger.info("discovering targets", metadata: ["jobs": "\(config.discovery.count)", "shard": "\(shard)"])
            // Such a job's targets are what its rules make of them, as in Prometheus: without these two
            // labels its series are scored, but diagnosis cannot tell whose they are.
            for job in config.discovery.map(\.job) where !job.labelsWorkloads {
                logger.warning(
                    "a kubernetes_sd job's relabel_configs set no namespace and pod labels: diagnosis cannot tie its series to workloads",
                    metadata: [
                        "job": "\(job.template.job)",
                        "fix": "replace rules from __meta_kubernetes_namespace and __meta_kubernetes_pod_name",
                    ]
                )
            }
        }
        let election = kubeConnection.flatMap { connection in
            config.cluster.election(allowApply: config.remediation.allowApply, namespace: connection.namespace)
        }
        if config.cluster.leaderElection != nil, !config.remediation.allowApply {
            logger.notice(
                "cluster.leader_election without --allow-apply: this replica takes part in no election and holds no Lease (it may not apply; vigil diagnose --apply is not kept waiting on it)"
            )
        }
        if let election, config.cluster.leaderElection == nil {
            logger.notice(
                "--allow-apply: this daemon applies only while it holds the remediation Lease, so that other Vigil processes that may change the cluster (vigil diagnose --apply, another daemon) share its guards",
                metadata: ["lease": "\(election.namespace)/\(election.leaseName)"]
            )
        }
        let elector = kubeConnection.flatMap { connection in
            election.map { settings in
                LeaderElector(
                    configuration: settings.configuration(
                        identity: ClusterSettings.identity(
                            environment: ProcessInfo.processInfo.environment,
                            host: ProcessInfo.processInfo.hostName,
                            pid: getpid()
                        )
                    ),
                    client: KubeClient(connection: connection, transport: CurlHTTPClient(), access: .write),
                    clock: ContinuousClock()
                )
            }
        }
        if let elector { services.append(LeaderElectionService(elector: elector, logger: logger)) }
        // Without a checkpoint service to run it first, the scrape service learns before it scrapes.
        services.append(
            ScrapeService(
                manager: manager,
                prepare: checkpoint == nil && (backfill != nil || readHistory != nil) ? prepare : nil
            )
        )
        var diagnosis: Diagnosis?
        if let rules, let recorder {
            // Attached now, fed by the scrapes only once the history above is in.
            await manager.attach(recorder)
            let remediator = try kubeConnection.map { connection in
                try Self.remediator(
                    config: config,
                    connection: connection,
                    leadership: elector,
                    handover: elector.map {
                        LeaderElectionService.handover(
                            for: $0.configuration,
                            connection: connection,
                            evaluationInterval: config.diagnosisInterval
                        )
                    },
                    logger: logger
                )
            }
            let service = DiagnosisService(
                engine: DiagnosisEngine(rules: rules),
                interval: .seconds(config.diagnosisInterval),
                clock: ContinuousClock(),
                logger: logger,
                // No round before the history from Prometheus is in.
                ready: { await historyGate.wait() },
                history: { recorder.history(now: $0) },
                cluster: { await watcher?.model ?? ClusterModel() },
                remediator: remediator
            )
            services.append(service)
            if let kubeConnection, config.remediation.allowApply {
                services.append(
                    Self.remediationRights(
                        policy: config.remediation,
                        client: KubeClient(connection: kubeConnection, transport: CurlHTTPClient(), access: .write),
                        playbooks: { await service.playbooks },
                        logger: logger
                    )
                )
            }
            // Alertmanager's own list keeps the firing alerts true (at start, every interval, and after a
            // truncated delivery), when its URL is known.
            let reconciler = config.alertmanager.map { alertmanager in
                AlertReconciler(
                    client: AlertmanagerClient(
                        url: alertmanager.url,
                        receiver: alertmanager.receiver,
                        authorization: alertmanager.authorization,
                        tls: alertmanager.tls,
                        transport: CurlHTTPClient()
                    ),
                    interval: .seconds(alertmanager.reconcileInterval),
                    clock: ContinuousClock(),
                    logger: logger,
                    mark: { await service.alertDeliveries },
                    apply: { await service.reconcile(active: $0, asOf: $1) }
                )
            }
            if let reconciler {
                services.append(reconciler)
            } else if shard.count > 1 || config.cluster.leaderElection != nil {
                // Each replica holds the alerts delivered to it: Alertmanager's next POST (a resolve, often
                // on a new connection) may reach another pod through the Service, which holds nothing to
                // resolve, and only Alertmanager's own list would close the incident on the first.
                logger.warning(
                    "several replicas share Alertmanager's webhook and alertmanager.url is not set: a resolve delivered to another replica than its firing leaves the incident open; set alertmanager.url so every replica reconciles with Alertmanager's list"
                )
            }
            if config.remediation.allowApply, !authenticated {
                logger.warning(
                    "--allow-apply without authentication: the Alertmanager webhook refuses every delivery (403), as an alert anyone could post would lead to changes; alerts come only from alertmanager.url's reconciliation",
                    metadata: [
                        "fix":
                            "give --web.config.file with basic_auth_users or --web.bearer-token-file, and the same credentials in the Alertmanager receiver's http_config"
                    ]
                )
            }
            let intake = AlertIntake(
                deliver: { await service.receive($0) },
                reconcile: { await reconciler?.reconcile() }
            )
            services.append(intake)
            diagnosis = Diagnosis(recorder: recorder, service: service, intake: intake)
            logger.info(
                "diagnosing",
                metadata: [
                    "rule_files": "\(rules.files.joined(separator: ","))", "signals": "\(rules.signals.count)",
                    "playbooks": "\(rules.playbooks.count)", "interval": "\(config.diagnosisInterval)s",
                ]
            )
            if watcher == nil {
                logger.notice("no Kubernetes cluster configured or found: diagnosis sees metrics only")
            }
        } else {
            logger.notice("no rule files (rule_files:, --rules, ./rules or /etc/vigil/rules): diagnosis is off")
        }
        services.append(HeapTrimmer(manager: manager))
        let reloader = ConfigReloader(
            source: source,
            current: config,
            manager: manager,
            diagnosis: diagnosis,
            targets: targetSet,
            authenticated: authenticated,
            logger: logger
        )
        services.append(HangupReloader(reloader: reloader))
        let server = VigilServer(
            host: config.listenHost,
            port: config.listenPort,
            status: PipelineStatus(manager: manager, diagnosis: diagnosis?.service),
            registry: registry,
            logger: logger,
            security: security,
            proposals: diagnosis?.service.remediator,
            alerts: diagnosis?.intake,
            reload: { await reloader.reload(trigger: $0) }
        )
        services.append(try server.service())
        logger.info(
            "starting",
            metadata: [
                "targets": "\(config.targets.map(\.displayURL).joined(separator: ","))",
                "listen": "\(config.listenHost):\(config.listenPort)",
                "state_dir": "\(config.stateDirectory ?? "")",
                "seasonal": "\(config.seasonal)",
            ]
        )
        var groupConfiguration = ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        // A stop is bounded: within Kubernetes's default 30 s grace period, a graceful shutdown that
        // has not ended (a last checkpoint of a huge store, a stuck service) is escalated to
        // cancellation, and a cancellation that does not end either stops the process.
        groupConfiguration.maximumGracefulShutdownDuration = Self.gracefulShutdownLimit
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch let error as ListenError {
            // In the log's own format, as every other line of the run, and exit 1 as a bad start.
            logger.critical("\(error)", metadata: ["listen": "\(error.address)"])
            throw ExitCode(1)
        }
        logger.info("stopped")
    }

    /// Makes sure `path` is a directory Vigil can write checkpoints in, creating it (and its parents)
    /// when missing; a regular file there, or a parent that cannot hold it, is refused with a sentence
    /// (it was a raw Foundation error). Not `making` it (`vigil run --check-config`), it makes nothing:
    /// the path, or the nearest directory on it that exists, must be one Vigil can write in.
    static func prepareStateDirectory(_ path: String, making: Bool = true) throws(DaemonConfig.Invalid) {
        func refuse(_ why: String) -> DaemonConfig.Invalid {
            DaemonConfig.Invalid(errors: ["state_dir \(path): \(why)"])
        }
        var writable = path
        if making {
            // Each name it makes survives a power loss with what is kept in it (the audit log above all).
            if let reason = DurableFile.makeDirectory(path) { throw refuse(reason) }
        } else {
            // Where the start would make it: the nearest directory on the path that exists.
            var isDirectory: ObjCBool = false
            while !FileManager.default.fileExists(atPath: writable, isDirectory: &isDirectory) {
                let parent = PathSplit.directory(of: writable)
                writable = parent.isEmpty ? "." : parent
            }
            guard isDirectory.boolValue else {
                throw refuse(writable == path ? "exists and is not a directory" : "\(writable) is not a directory")
            }
        }
        guard access(writable, W_OK | X_OK) == 0 else {
            throw refuse(
                "cannot write in \(writable == path ? "it" : writable): \(String(cString: strerror(errno)))"
            )
        }
    }

    /// Remediation for the cluster at `connection`: the audit log in the state directory (without one,
    /// proposals are dry-run and shown but nothing can be applied), the guards it remembers.
    static func remediator(
        config: DaemonConfig,
        connection: KubeConnection,
        leadership: (any RemediationLeadership)? = nil,
        handover: (any ProposalHandover)? = nil,
        logger: Logger
    ) throws -> Remediator {
        let audit = try config.stateDirectory.map { try AuditLog(path: "\($0)/audit.jsonl") }
        let remediator = try Remediator(
            policy: config.remediation,
            audit: audit,
            kube: KubeClient(connection: connection, transport: CurlHTTPClient(), access: .write),
            leadership: leadership,
            handover: handover,
            logger: logger,
            // Its diagnosis round waits with it: better a round without remediation than incidents late
            // while `vigil diagnose --apply` drains a node.
            turnWait: .seconds(5)
        )
        for line in remediator.skippedLines { logger.warning("audit log line skipped", metadata: ["line": "\(line)"]) }
        logger.info(
            "remediation",
            metadata: [
                "apply": "\(config.remediation.allowApply ? "allowed under the guards" : "off (--allow-apply)")",
                "audit_log": "\(audit?.path ?? "none (no state_dir): nothing can be applied")",
                "records": "\(remediator.recordsAtStart)",
            ]
        )
        return remediator
    }

    /// The rights the playbooks' actions need in the namespaces remediation may change
    /// (``RemediationRights``), asked for at start and every few minutes: the rules as they are then, so a
    /// reload that adds an action is checked at the next round. Counted in `vigil_remediation_rights_missing`
    /// (VigilRemediationRightsMissing).
    static func remediationRights(
        policy: RemediationPolicy,
        client: KubeClient,
        playbooks: @escaping @Sendable () async -> [Playbook],
        logger: Logger
    ) -> RightsCheck {
        RightsCheck(
            subject: "remediation",
            consequence: "where one is missing, the fixes that need it are refused, and so are their dry runs",
            grant: remediationGrant(policy),
            label: "vigil_remediation_rights_missing",
            logger: logger,
            missing: { () async throws(KubeError) in
                try await client.missing(RemediationRights.needed(by: await playbooks(), policy: policy))
            }
        )
    }

    /// How to grant the rights remediation lacks. Without `remediation.namespaces.allow` they are asked in
    /// every namespace (`-A`), which a Role bound in one namespace never grants: the way out is the list.
    static func remediationGrant(_ policy: RemediationPolicy) -> String {
        let nodes = "for cordon and drain, bind deploy/rbac-remediation.yaml's ClusterRole vigil-remediate-nodes"
        guard !policy.allowNamespaces.isEmpty else {
            return
                "remediation.namespaces.allow lists no namespace, so the rights are asked in every namespace (-A), which only a ClusterRoleBinding grants: bind deploy/rbac-remediation.yaml's Role vigil-remediate in each namespace Vigil may change and list those namespaces in remediation.namespaces.allow; \(nodes)"
        }
        return
            "bind deploy/rbac-remediation.yaml's Role vigil-remediate in each namespace of remediation.namespaces.allow (\(policy.permittedNamespaces.joined(separator: ", "))), or leave out of the list the namespaces where it is not bound; \(nodes)"
    }

    /// Diagnosis as it runs: the recorder the scrape manager feeds and the service reading it.
    struct Diagnosis {
        let recorder: SignalRecorder
        let service: DiagnosisService<ContinuousClock>
        /// The webhook's queue into the service.
        let intake: AlertIntake
    }

    /// How long a graceful stop may take before it is escalated to cancellation.
    static let gracefulShutdownLimit = Duration.seconds(20)

    /// Takes back the last checkpoint, if there is one that can be trusted; anything else is reported,
    /// set aside (``StateCheckpoint/setAside()``) and Vigil starts fresh (a bad checkpoint never stops the
    /// daemon, and the next checkpoint does not write over it). True when a checkpoint was taken back.
    private static func restore(
        _ checkpoint: StateCheckpoint,
        into manager: ScrapeManager,
        logger: Logger
    ) async -> Bool {
        logger.info("restoring learnt state (not ready until done)", metadata: ["path": "\(checkpoint.path)"])
        do {
            guard let snapshot = try checkpoint.read() else {
                logger.info("no checkpoint yet; starting fresh", metadata: ["path": "\(checkpoint.path)"])
                return false
            }
            if await manager.restore(snapshot) {
                logger.info(
                    "restored learnt state",
                    metadata: ["path": "\(checkpoint.path)", "series": "\(snapshot.series.count)"]
                )
                // A checkpoint of nothing learnt (written before the first scrape) leaves the backfill to run.
                return !snapshot.series.isEmpty
            } else {
                logger.warning(
                    "checkpoint was learnt under other detector settings; starting fresh",
                    metadata: ["path": "\(checkpoint.path)", "kept": "\(setAside(checkpoint))"]
                )
            }
        } catch {
            logger.warning(
                "checkpoint ignored; starting fresh",
                metadata: ["reason": "\(error)", "kept": "\(setAside(checkpoint))"]
            )
        }
        return false
    }

    /// Where a checkpoint that was not used now lies, or why it could not be kept.
    private static func setAside(_ checkpoint: StateCheckpoint) -> String {
        do {
            return try checkpoint.setAside()
        } catch {
            return "not kept: \(error)"
        }
    }
}
