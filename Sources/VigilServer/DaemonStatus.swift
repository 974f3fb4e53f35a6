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
    /// One chunk of the `vigil_anomaly_score` exposition from `cursor`, and where to go on (nil: done).
    func scoreChunk(from cursor: Int, chunkBytes: Int) async -> (bytes: [UInt8], next: Int?)
}

extension ScrapeManager: DaemonStatus {}
