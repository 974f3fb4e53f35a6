import VigilAssist
import VigilEngine
import VigilKube
import VigilServer

/// `vigil mcp`'s answers: a diagnosis of what its source reads (a recorded scenario, or Prometheus and
/// the cluster). The full read (every namespace) is kept for at most `refresh` — the list and read tools
/// answer from it and the next call after that reads again — and `diagnose` reads its namespace afresh
/// each time. An incident id is looked up in the full read and then in the latest namespace reads, so an
/// id `diagnose` just gave can be read and proposed. Proposals get their server-side dry run through a
/// ``ProposalPreview`` (``ServerDryRun``): a port that can only preview, so no remediator, desk or
/// executor is reachable from here; and the one cluster client behind both its reads and its previews
/// may send nothing but reads and dry runs (``KubeAccess/dryRun``).
actor DiagnosisCatalog: AssistCatalog {
    /// Reads the input for a namespace (empty: every one).
    typealias Reader = @Sendable (_ namespace: String) async throws(DiagnosisInput.ReadError) -> DiagnosisInput

    private let engine: DiagnosisEngine
    private let read: Reader
    /// Proposals' dry runs against a connected cluster; nil without one.
    private let preview: (any ProposalPreview)?
    /// How long the full read answers before the next call reads again.
    private let refresh: Duration
    /// Time since the catalog was made, on the clock it was given.
    private let elapsed: @Sendable () -> Duration
    private var latest: (snapshot: Snapshot, at: Duration)?
    /// The full read under way: calls that arrive meanwhile wait for it instead of reading again (an
    /// agent asks several tools at once, and each read is a Prometheus query and a cluster list).
    private var reading: Task<Result<Snapshot, AssistError>, Never>?
    /// The latest read of each namespace `diagnose` asked for, newest last, at most ``namespaceReads``.
    private var namespaces: [(namespace: String, snapshot: Snapshot)] = []

    /// Namespace reads kept for looking ids up: enough for an agent's session, bounded whatever it asks.
    static let namespaceReads = 8

    struct Snapshot {
        var incidents: [Incident]
        var diagnosis: DiagnosisEngine.Diagnosis
    }

    init<C: Clock>(
        engine: DiagnosisEngine,
        read: @escaping Reader,
        preview: (any ProposalPreview)?,
        refresh: Duration = .seconds(60),
        clock: C
    ) where C.Duration == Duration {
        self.engine = engine
        self.read = read
        self.preview = preview
        self.refresh = refresh
        let start = clock.now
        elapsed = { start.duration(to: clock.now) }
    }

    func incidents(namespace: String?) async throws(AssistError) -> [AssistItem] {
        let snapshot = try await current()
        return try snapshot.incidents.filter { namespace == nil || $0.subject.namespace == namespace }
            .map { incident throws(AssistError) in try AssistItem(encoding: IncidentLine(incident)) }
    }

    func incident(id: String, evidenceLimit: Int) async throws(AssistError) -> AssistItem {
        try AssistItem(encoding: IncidentDetail(try await find(id).incident, evidenceLimit: evidenceLimit))
    }

    func series(incident id: String, metric: String?, points: Int) async throws(AssistError) -> [AssistItem] {
        let (incident, snapshot) = try await find(id)
        return try IncidentSeries.around(incident, in: snapshot.diagnosis, metric: metric, points: points)
            .map { series throws(AssistError) in try AssistItem(encoding: series) }
    }

    func anomalies(ongoingOnly: Bool) async throws(AssistError) -> [AssistItem] {
        try IncidentSeries.AnomalyLine.list(try await current().diagnosis, ongoingOnly: ongoingOnly)
            .map { line throws(AssistError) in try AssistItem(encoding: line) }
    }

    func diagnose(namespace: String, workload: ScopeArgument.Workload?) async throws(AssistError) -> [AssistItem] {
        let wanted = workload.map { Subject(kind: $0.kind, namespace: namespace, name: $0.name) }
        let snapshot = try await diagnosis(namespace: namespace)
        namespaces.removeAll { $0.namespace == namespace }
        namespaces.append((namespace, snapshot))
        if namespaces.count > Self.namespaceReads { namespaces.removeFirst() }
        return try snapshot.incidents.filter { incident in
            incident.subject.namespace == namespace
                && wanted.map { DiagnoseCommand.same(incident.subject, $0) } ?? true
        }
        .map { incident throws(AssistError) in try AssistItem(encoding: IncidentDetail(incident, evidenceLimit: 10)) }
    }

    func proposals(incident id: String) async throws(AssistError) -> [AssistItem] {
        let incident = try await find(id).incident
        guard !incident.proposals.isEmpty else {
            throw AssistError(
                "incident \(id) has no proposal: \(incident.cause == "unknown" ? "the evidence names no cause" : "its playbook proposes nothing")"
            )
        }
        var items: [AssistItem] = []
        for proposal in incident.proposals {
            let state =
                await preview?.preview(proposal, of: incident) ?? ProposalState(proposed: proposal, of: incident)
            items.append(try AssistItem(encoding: state))
        }
        return items
    }

    /// The incident with `id` and the read it came from: the full read first, then the namespace reads,
    /// newest first. A full read that fails (credentials for one namespace: a 403 listing every one)
    /// leaves the namespace reads, so an id `diagnose` gave can still be read; its error is the answer
    /// only when they do not hold the id either.
    private func find(_ id: String) async throws(AssistError) -> (incident: Incident, snapshot: Snapshot) {
        var full: Snapshot?
        var fullReadFailure: AssistError?
        do throws(AssistError) { full = try await current() } catch { fullReadFailure = error }
        for snapshot in [full].compactMap(\.self) + namespaces.reversed().map(\.snapshot) {
            if let incident = snapshot.incidents.first(where: { $0.id == id }) { return (incident, snapshot) }
        }
        if let fullReadFailure { throw fullReadFailure }
        throw AssistError(
            "no incident with id \(ScopeArgument.quoted(id)); list_incidents (or diagnose for one namespace) names them"
        )
    }

    /// The full read, made again once it is `refresh` old.
    private func current() async throws(AssistError) -> Snapshot {
        let now = elapsed()
        if let latest, now - latest.at < refresh { return latest.snapshot }
        let task = reading ?? Task { await self.fullRead() }
        reading = task
        let result = await task.value
        if reading == task {
            reading = nil
            if case .success(let snapshot) = result { latest = (snapshot, now) }
        }
        return try result.get()
    }

    private func fullRead() async -> Result<Snapshot, AssistError> {
        do throws(AssistError) {
            return .success(try await diagnosis(namespace: ""))
        } catch {
            return .failure(error)
        }
    }

    /// The most of a read's error an agent is sent: Prometheus's own message, quoted in it, is bounded
    /// only by the answer limit.
    static let errorBytes = 2048

    /// `text` cut to ``errorBytes`` of UTF-8 at a scalar's boundary, marked where it was cut.
    static func bounded(_ text: String) -> String {
        AnswerBudget.prefix(text, bytes: errorBytes).map { $0 + " … (cut at \(errorBytes) bytes)" } ?? text
    }

    private func diagnosis(namespace: String) async throws(AssistError) -> Snapshot {
        let input: DiagnosisInput
        do {
            input = try await read(namespace)
        } catch {
            throw AssistError(Self.bounded(error.description))
        }
        let diagnosis = engine.diagnose(history: input.history, cluster: input.cluster, now: input.now)
        return Snapshot(incidents: diagnosis.incidents, diagnosis: diagnosis)
    }
}
