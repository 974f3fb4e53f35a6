import VigilAssist
import VigilEngine

/// The daemon's answers to the MCP tools: its incidents as diagnosed every round, its anomalies, and its
/// proposals with the dry runs remediation made. Built from ``DaemonStatus`` and a ``ProposalPreview``
/// (``RecordedPreview``: a read of remediation's record) — not the desk that approves: nothing here can act.
struct DaemonCatalog: AssistCatalog {
    let status: any DaemonStatus
    let preview: any ProposalPreview

    func incidents(namespace: String?) async throws(AssistError) -> [AssistItem] {
        try await status.incidents(in: nil).filter { namespace == nil || $0.incident.subject.namespace == namespace }
            .map { tracked throws(AssistError) in try AssistItem(encoding: IncidentLine(tracked.incident)) }
    }

    func incident(id: String, evidenceLimit: Int) async throws(AssistError) -> AssistItem {
        try AssistItem(encoding: IncidentDetail(try await find(id), evidenceLimit: evidenceLimit))
    }

    /// The incident's series from the latest round's diagnosis (its rules' series over the recorder's
    /// retention, as the incident cites them): a resolved incident whose anomalies have left it has none.
    func series(incident id: String, metric: String?, points: Int) async throws(AssistError) -> [AssistItem] {
        let incident = try await find(id)
        return try IncidentSeries.around(incident, in: try await latestDiagnosis(), metric: metric, points: points)
            .map { series throws(AssistError) in try AssistItem(encoding: series) }
    }

    /// The anomalies the latest round's diagnosis saw in its rules' series: what `vigil mcp` lists from
    /// its own read, in the same schema (the pipeline's anomalies on every series are `GET
    /// /api/v1/anomalies`'s).
    func anomalies(ongoingOnly: Bool) async throws(AssistError) -> [AssistItem] {
        try IncidentSeries.AnomalyLine.list(try await latestDiagnosis(), ongoingOnly: ongoingOnly)
            .map { line throws(AssistError) in try AssistItem(encoding: line) }
    }

    /// The daemon diagnoses every round: its open incidents in the namespace, or of the workload.
    func diagnose(namespace: String, workload: ScopeArgument.Workload?) async throws(AssistError) -> [AssistItem] {
        try await status.incidents(in: .open).map(\.incident).filter { incident in
            incident.subject.namespace == namespace
                && (workload.map { incident.subject.kind == $0.kind && incident.subject.name == $0.name } ?? true)
        }
        .map { incident throws(AssistError) in try AssistItem(encoding: IncidentDetail(incident, evidenceLimit: 10)) }
    }

    func proposals(incident id: String) async throws(AssistError) -> [AssistItem] {
        let incident = try await find(id)
        guard !incident.proposals.isEmpty else { throw AssistError("incident \(id) has no proposal") }
        var items: [AssistItem] = []
        for proposal in incident.proposals {
            let state = await preview.preview(proposal, of: incident)
            items.append(try AssistItem(encoding: state))
        }
        return items
    }

    private func latestDiagnosis() async throws(AssistError) -> DiagnosisEngine.Diagnosis {
        guard let diagnosis = await status.latestDiagnosis() else {
            throw AssistError("no diagnosis yet (none runs without rules; the first runs one interval after start)")
        }
        return diagnosis
    }

    private func find(_ id: String) async throws(AssistError) -> Incident {
        guard let tracked = await status.incident(id: id) else {
            throw AssistError("no incident with id \(ScopeArgument.quoted(id)); list_incidents names them")
        }
        return tracked.incident
    }
}
