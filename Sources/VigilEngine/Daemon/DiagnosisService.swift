import CoreMetrics
import Foundation
import Logging
import ServiceLifecycle
import VigilKube
import VigilRules

/// What the API reads of the daemon's incidents.
public protocol IncidentSource: Sendable {
    /// Open incidents (engine's ranking), then resolved ones (latest first); only `state`'s when given.
    func incidents(in state: TrackedIncident.State?) async -> [TrackedIncident]
    /// The incident with `id`, open or resolved.
    func incident(id: String) async -> TrackedIncident?
    /// The latest round's diagnosis — its signals and anomalies, the ones the tracked incidents cite —
    /// or nil before the first round: what an incident's series are read from (`read_series` over MCP).
    func latestDiagnosis() async -> DiagnosisEngine.Diagnosis?
}

/// The diagnosis engine in the daemon: every `interval` it takes the recorded history and the cluster
/// model, diagnoses at the wall time, and keeps the incidents over time (``IncidentTracker``). Logs one
/// line per incident opened or resolved, and keeps `vigil_incidents{state}` current.
///
/// Generic over its clock so that tests drive it with a manual clock; `wallTime` gives the seconds
/// since the epoch the engine diagnoses at (with a manual clock, the test's own time).
public actor DiagnosisService<C: Clock>: Service, IncidentSource where C.Duration == Duration {
    private var engine: DiagnosisEngine
    public let interval: Duration
    private let clock: C
    private let wallTime: @Sendable () -> Double
    private let ready: @Sendable () async -> Void
    private let history: @Sendable (Double) async -> MetricHistory
    private let cluster: @Sendable () async -> ClusterModel
    /// Takes each round's proposals as far as policy allows; nil: proposals are only shown.
    public nonisolated let remediator: Remediator?
    private let logger: Logger
    private var tracker: IncidentTracker
    /// The last round's diagnosis, kept for reading series: a reader costs nothing and sees exactly what
    /// the incidents cite (its signals hold the recorder's points once more while kept).
    private var latest: DiagnosisEngine.Diagnosis?
    /// Firing Alertmanager alerts (the webhook and reconciliation feed it): evidence in every round.
    public private(set) var alerts = AlertBook()
    private let gauges = (
        open: Gauge(label: "vigil_incidents", dimensions: [("state", "open")]),
        resolved: Gauge(label: "vigil_incidents", dimensions: [("state", "resolved")]),
        rounds: Counter(label: "vigil_diagnosis_rounds_total"),
        duration: Gauge(label: "vigil_diagnosis_last_duration_seconds")
    )

    /// - Parameters:
    ///   - ready: awaited at the start of every round, before its wall time is read: the daemon's waits
    ///     until the history from Prometheus is in, so a round set off meanwhile diagnoses at the time it
    ///     runs, not the time it was asked for.
    ///   - history: the recorded history at a wall time (``SignalRecorder/history(now:)``).
    ///   - cluster: the cluster's current model (``ClusterWatcher/model``), or an empty one.
    public init(
        engine: DiagnosisEngine,
        interval: Duration = .seconds(30),
        clock: C,
        wallTime: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        resolvedLimit: Int = 256,
        logger: Logger,
        ready: @escaping @Sendable () async -> Void = {},
        history: @escaping @Sendable (Double) async -> MetricHistory,
        cluster: @escaping @Sendable () async -> ClusterModel = { ClusterModel() },
        remediator: Remediator? = nil
    ) {
        self.remediator = remediator
        self.engine = engine
        self.interval = interval
        self.clock = clock
        self.wallTime = wallTime
        self.ready = ready
        self.history = history
        self.cluster = cluster
        self.logger = logger
        tracker = IncidentTracker(resolvedLimit: resolvedLimit)
        gauges.open.record(0)
        gauges.resolved.record(0)
    }

    /// Diagnoses every `interval` (the first round one interval after the start, once there is some
    /// history) until graceful shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while true {
                do { try await self.clock.sleep(for: self.interval) } catch { return }
                await self.diagnose()
            }
        }
    }

    /// One round, now: diagnose, track, log what changed. Returns the changes.
    @discardableResult
    public func diagnose() async -> IncidentTracker.Changes {
        await ready()
        let now = wallTime()
        let history = await history(now)
        let cluster = await cluster()
        let started = ContinuousClock.now
        let diagnosis = engine.diagnose(
            history: history,
            cluster: cluster,
            alerts: Array(alerts.firing.values),
            now: now,
            baselines: latest?.baselines ?? [:]
        )
        latest = diagnosis
        var incidents = diagnosis.incidents
        if let remediator {
            incidents = await remediator.round(incidents, cluster: cluster, playbooks: engine.rules.playbooks)
        }
        let changes = tracker.update(with: incidents, at: now)
        let took = ContinuousClock.now - started
        gauges.rounds.increment()
        gauges.duration.record(Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18)
        gauges.open.record(tracker.open.count)
        gauges.resolved.record(tracker.resolved.count)
        for opened in changes.opened {
            let kubectl = opened.incident.proposals.first?.kubectl ?? ""
            logger.notice("incident opened", metadata: Self.metadata(opened.incident, ["kubectl": "\(kubectl)"]))
        }
        for resolved in changes.resolved {
            let openFor: Logger.Metadata = ["open_for": "\(Int(now - resolved.openedAt))s"]
            logger.notice("incident resolved", metadata: Self.metadata(resolved.incident, openFor))
        }
        return changes
    }

    /// What a log line says of an incident: id, namespace, workload and cause, then `extra`.
    private static func metadata(_ incident: Incident, _ extra: Logger.Metadata) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "id": "\(incident.id)", "namespace": "\(incident.subject.namespace)", "workload": "\(incident.subject)",
            "cause": "\(incident.cause)",
        ]
        metadata.merge(extra) { _, new in new }
        return metadata
    }

    /// Takes a webhook delivery's alerts (deduplicated) and, when they change what is firing, diagnoses at
    /// once: a new alert gets its incident, a resolved one closes it.
    @discardableResult
    public func receive(_ delivered: [Alert]) async -> AlertBook.Receipt {
        let receipt = alerts.receive(delivered, at: wallTime())
        if receipt.changed { await diagnose() }
        return receipt
    }

    /// Sets the firing alerts to Alertmanager's own list (``AlertBook/reconcile(active:asOf:)``), and
    /// diagnoses when that changed anything.
    @discardableResult
    public func reconcile(active: [Alert], asOf: UInt64 = .max) async -> AlertBook.Receipt {
        let receipt = alerts.reconcile(active: active, asOf: asOf, at: wallTime())
        if receipt.changed { await diagnose() }
        return receipt
    }

    /// The deliveries the alert book has taken: noted before asking Alertmanager for its list.
    public var alertDeliveries: UInt64 { alerts.deliveries }

    /// The playbooks it diagnoses with now.
    public var playbooks: [Playbook] { engine.rules.playbooks }

    /// Takes reloaded rules; the next round diagnoses with them. Tracked incidents are kept.
    public func update(rules: RuleSet) {
        engine.rules = rules
    }

    public func incidents(in state: TrackedIncident.State?) -> [TrackedIncident] {
        tracker.incidents(in: state)
    }

    public func incident(id: String) -> TrackedIncident? {
        tracker.incident(id: id)
    }

    public func latestDiagnosis() -> DiagnosisEngine.Diagnosis? { latest }
}
