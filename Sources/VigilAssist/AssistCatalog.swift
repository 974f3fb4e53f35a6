/// What the MCP tools may read, and nothing else: every method is a question, none takes a command.
///
/// This protocol is the only door between the tools and Vigil's state. The `VigilAssist` target that
/// declares it depends on no target that can change a cluster (not `VigilEngine`, whose remediator
/// applies fixes, nor `VigilKube`, whose client sends them), and CI builds with
/// `--explicit-target-dependency-import-check error`, so the tools cannot even name an executor. The
/// daemon and `vigil mcp` each adapt their own state to it; what an adapter hands over is data.
public protocol AssistCatalog: Sendable {
    /// Incidents, open first; only `namespace`'s when given.
    func incidents(namespace: String?) async throws(AssistError) -> [AssistItem]
    /// One incident with its evidence (at most `evidenceLimit` pieces, the strongest first).
    func incident(id: String, evidenceLimit: Int) async throws(AssistError) -> AssistItem
    /// The series that back an incident's anomalies, each with its expected range, over the incident's
    /// window; `metric` keeps only series of that signal rule.
    func series(incident: String, metric: String?, points: Int) async throws(AssistError) -> [AssistItem]
    /// Anomalies, ongoing ones only when asked.
    func anomalies(ongoingOnly: Bool) async throws(AssistError) -> [AssistItem]
    /// A diagnosis of one namespace, or of one workload in it (both checked by ``ScopeArgument``).
    func diagnose(namespace: String, workload: ScopeArgument.Workload?) async throws(AssistError) -> [AssistItem]
    /// An incident's proposals: action, kubectl command and, with a cluster, the server's dry run and diff.
    func proposals(incident: String) async throws(AssistError) -> [AssistItem]
}

/// Why a question could not be answered, in words an agent can act on.
public struct AssistError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
