import VigilAssist
import VigilEngine
import VigilKube
import VigilServer

/// `vigil mcp`'s answers: a diagnosis of what its source reads (a recorded scenario, or Prometheus and
/// the cluster), read in full on first use and kept; `diagnose` reads its namespace afresh. Proposals get their server-side dry run
/// through ``ClusterRemediation`` without `--apply`'s part: a remediator with no audit log, which never
/// applies anything.
actor DiagnosisCatalog: AssistCatalog {
    /// Reads the input for a namespace (empty: every one).
    typealias Reader = @Sendable (_ namespace: String) async throws(DiagnosisInput.ReadError) -> DiagnosisInput
    /// The incidents with their proposals' server-side dry runs filled in.
    typealias DryRun = @Sendable (_ incidents: [Incident], _ cluster: ClusterModel) async throws -> [Incident]

    private let engine: DiagnosisEngine
    private let read: Reader
    /// Fills proposals' dry runs against a connected cluster; nil without one.
    private let dryRun: DryRun?
    private var latest: Snapshot?

    struct Snapshot {
        var incidents: [Incident]
        var diagnosis: DiagnosisEngine.Diagnosis
        var cluster: ClusterModel
    }

    init(
        engine: DiagnosisEngine,
        read: @escaping Reader,
        dryRun: DryRun?
    ) {
        self.engine = engine
        self.read = read
        self.dryRun = dryRun
    }

    func incidents(namespace: String?) async throws(AssistError) -> [AssistItem] {
        let snapshot = try await current()
        return try snapshot.incidents.filter { namespace == nil || $0.subject.namespace == namespace }
            .map { incident throws(AssistError) in try AssistItem(encoding: IncidentLine(incident)) }
    }

    func incident(id: String, evidenceLimit: Int) async throws(AssistError) -> AssistItem {
        try AssistItem(encoding: IncidentDetail(try await find(id), evidenceLimit: evidenceLimit))
    }

    func series(incident id: String, metric: String?, points: Int) async throws(AssistError) -> [AssistItem] {
        let snapshot = try await current()
        let incident = try await find(id)
        return try IncidentSeries.around(incident, in: snapshot.diagnosis, metric: metric, points: points)
            .map { series throws(AssistError) in try AssistItem(encoding: series) }
    }

    func anomalies(ongoingOnly: Bool) async throws(AssistError) -> [AssistItem] {
        try await current().diagnosis.anomalies.filter { !ongoingOnly || $0.ongoing }
            .map { anomaly throws(AssistError) in try AssistItem(encoding: IncidentSeries.AnomalyLine(anomaly)) }
    }

    func diagnose(namespace: String, workload: String?) async throws(AssistError) -> [AssistItem] {
        let wanted = try workload.map { text throws(AssistError) in try Self.subject(text, namespace: namespace) }
        let snapshot = try await refresh(namespace: namespace)
        return try snapshot.incidents.filter { incident in
            incident.subject.namespace == namespace
                && wanted.map { DiagnoseCommand.same(incident.subject, $0) } ?? true
        }
        .map { incident throws(AssistError) in try AssistItem(encoding: IncidentDetail(incident, evidenceLimit: 10)) }
    }

    func proposals(incident id: String) async throws(AssistError) -> [AssistItem] {
        var incident = try await find(id)
        guard !incident.proposals.isEmpty else {
            throw AssistError(
                "incident \(id) has no proposal: \(incident.cause == "unknown" ? "the evidence names no cause" : "its playbook proposes nothing")"
            )
        }
        if let dryRun, let cluster = latest?.cluster {
            do {
                incident = try await dryRun([incident], cluster).first ?? incident
            } catch {
                throw AssistError("the dry run could not be made: \(error)")
            }
        }
        return try incident.proposals.map { proposal throws(AssistError) in try AssistItem(encoding: proposal) }
    }

    private func find(_ id: String) async throws(AssistError) -> Incident {
        guard let incident = try await current().incidents.first(where: { $0.id == id }) else {
            throw AssistError("no incident with id \"\(id)\"; list_incidents names them")
        }
        return incident
    }

    private func current() async throws(AssistError) -> Snapshot {
        if let latest { return latest }
        return try await refresh(namespace: "")
    }

    private func refresh(namespace: String) async throws(AssistError) -> Snapshot {
        let input: DiagnosisInput
        do {
            input = try await read(namespace)
        } catch {
            throw AssistError(error.description)
        }
        let diagnosis = engine.diagnose(history: input.history, cluster: input.cluster, now: input.now)
        let snapshot = Snapshot(incidents: diagnosis.incidents, diagnosis: diagnosis, cluster: input.cluster)
        // A namespace's read is that namespace's: the other tools keep answering from the last full one.
        if namespace.isEmpty { latest = snapshot }
        return snapshot
    }

    /// `deployment/web` as a subject, kinds spelled as `vigil diagnose --workload` accepts them.
    static func subject(_ text: String, namespace: String) throws(AssistError) -> Subject {
        var scope = ScopeOptions()
        scope.workload = text
        if let subject = try? scope.workloadSubject(namespace: namespace) { return subject }
        throw AssistError("workload: expected KIND/NAME (deployment/web, statefulset/db), got \"\(text)\"")
    }
}
