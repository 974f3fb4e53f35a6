import VigilCore
import VigilEngine
import VigilScrape

/// What the HTTP server reads from the running daemon: the seam between the server and the pipeline,
/// so the server can be driven by anything that answers these.
public protocol DaemonStatus: Sendable {
    /// Ready once every target has been scraped at least once.
    var isReady: Bool { get async }
    /// Each target's latest scrape.
    var health: [TargetHealth] { get async }
    /// Ongoing anomalies, and the recently ended ones when asked.
    func anomalies(includeEnded: Bool) async -> [AnomalyReport]
    /// One chunk of the `vigil_anomaly_score` exposition from `cursor` (0 first), and where to go on
    /// (nil: done). The cursor names a series, not a position, so a compaction between chunks neither
    /// skips nor repeats one (``ScoreExposition/write(_:from:into:chunkBytes:)``).
    func scoreChunk(from cursor: Int, chunkBytes: Int) async -> (bytes: [UInt8], next: Int?)
    /// Open incidents, then resolved ones; only `state`'s when given. Empty without diagnosis.
    func incidents(in state: TrackedIncident.State?) async -> [TrackedIncident]
    /// The incident with `id`, open or resolved.
    func incident(id: String) async -> TrackedIncident?
    /// The latest round's diagnosis (``IncidentSource/latestDiagnosis()``); nil without diagnosis or before it.
    func latestDiagnosis() async -> DiagnosisEngine.Diagnosis?
}

/// The running daemon's status: the scrape manager's targets, the store it feeds, and the diagnosis
/// service's incidents (none when diagnosis is off).
public struct PipelineStatus: DaemonStatus {
    public let manager: ScrapeManager
    public let diagnosis: (any IncidentSource)?

    public init(manager: ScrapeManager, diagnosis: (any IncidentSource)? = nil) {
        self.manager = manager
        self.diagnosis = diagnosis
    }

    public func incidents(in state: TrackedIncident.State?) async -> [TrackedIncident] {
        await diagnosis?.incidents(in: state) ?? []
    }

    public func incident(id: String) async -> TrackedIncident? {
        await diagnosis?.incident(id: id)
    }

    public func latestDiagnosis() async -> DiagnosisEngine.Diagnosis? {
        await diagnosis?.latestDiagnosis()
    }

    public var isReady: Bool { get async { await manager.isReady } }

    public var health: [TargetHealth] { get async { await manager.health } }

    public func anomalies(includeEnded: Bool) async -> [AnomalyReport] {
        await manager.withStore { AnomalyReport.reports(in: $0, includeEnded: includeEnded) }
    }

    public func scoreChunk(from cursor: Int, chunkBytes: Int) async -> (bytes: [UInt8], next: Int?) {
        let chunk = await manager.withStore { store -> ScoreChunk in
            var bytes: [UInt8] = cursor == 0 ? ScoreExposition.header : []
            bytes.reserveCapacity(chunkBytes + 512)
            let next = ScoreExposition().write(store, from: cursor, into: &bytes, chunkBytes: chunkBytes)
            return ScoreChunk(bytes: bytes, next: next)
        }
        return (chunk.bytes, chunk.next)
    }

    /// A tuple is not `Sendable` across the actor hop in every compiler; a struct is.
    private struct ScoreChunk: Sendable {
        var bytes: [UInt8]
        var next: Int?
    }
}
