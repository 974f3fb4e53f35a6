import VigilAssist
import VigilEngine

/// The daemon's answers to the MCP tools: its incidents as diagnosed every round, its anomalies, and its
/// proposals with the dry runs remediation made. Built from ``DaemonStatus`` and a function that reads a
/// proposal's state — a read, not the desk that approves: nothing here can act.
struct DaemonCatalog: AssistCatalog {
    let status: any DaemonStatus
    /// A proposal's latest state (with its dry run), when remediation runs.
    let proposalState: @Sendable (String) async -> ProposalState?

    func incidents(namespace: String?) async throws(AssistError) -> [AssistItem] {
        try await status.incidents(in: nil).filter { namespace == nil || $0.incident.subject.namespace == namespace }
            .map { tracked throws(AssistError) in try AssistItem(encoding: IncidentLine(tracked.incident)) }
    }

    func incident(id: String, evidenceLimit: Int) async throws(AssistError) -> AssistItem {
        try AssistItem(encoding: IncidentDetail(try await find(id), evidenceLimit: evidenceLimit))
    }

    func series(incident id: String, metric: String?, points: Int) async throws(AssistError) -> [AssistItem] {
        _ = try await find(id)
        throw AssistError(
            "the daemon keeps no series per incident: list_anomalies gives each anomalous series with its expected range, and vigil mcp --prometheus URL reads the points"
        )
    }

    func anomalies(ongoingOnly: Bool) async throws(AssistError) -> [AssistItem] {
        try await status.anomalies(includeEnded: !ongoingOnly).map { report throws(AssistError) in
            try AssistItem(encoding: report)
        }
    }

    /// The daemon diagnoses every round: its open incidents in the namespace, or of the workload (kind
    /// spelled in full or shortened: `deployment/web`, `deploy/web`).
    func diagnose(namespace: String, workload: String?) async throws(AssistError) -> [AssistItem] {
        var kind: String?
        var name: String?
        if let workload {
            let parts = workload.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw AssistError("workload: expected KIND/NAME (deployment/web, statefulset/db), got \"\(workload)\"")
            }
            (kind, name) = (parts[0].lowercased(), parts[1])
        }
        return try await status.incidents(in: .open).map(\.incident).filter { incident in
            incident.subject.namespace == namespace
                && (name.map { incident.subject.name == $0 } ?? true)
                && (kind.map { incident.subject.kind.hasPrefix($0) } ?? true)
        }
        .map { incident throws(AssistError) in try AssistItem(encoding: IncidentDetail(incident, evidenceLimit: 10)) }
    }

    func proposals(incident id: String) async throws(AssistError) -> [AssistItem] {
        let incident = try await find(id)
        guard !incident.proposals.isEmpty else { throw AssistError("incident \(id) has no proposal") }
        var items: [AssistItem] = []
        for proposal in incident.proposals {
            // Remediation's state carries the dry run and where the proposal stands (pending, refused…).
            if let state = await proposalState(proposal.id) {
                items.append(try AssistItem(encoding: state))
            } else {
                items.append(try AssistItem(encoding: proposal))
            }
        }
        return items
    }

    private func find(_ id: String) async throws(AssistError) -> Incident {
        guard let tracked = await status.incident(id: id) else {
            throw AssistError("no incident with id \"\(id)\"; list_incidents names them")
        }
        return tracked.incident
    }
}
