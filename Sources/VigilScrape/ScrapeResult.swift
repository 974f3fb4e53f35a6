import VigilCore

/// What one scrape produced: all of the target's samples, or none of them and the reason.
public struct ScrapeResult: Sendable {
    /// One sample, resolved to its series.
    public typealias Sample = ExpositionStream.Sample

    /// The synthetic `up`: 1 when the scrape succeeded whole.
    public var up: Bool
    /// The synthetic `scrape_duration_seconds`.
    public var duration: Double
    /// The synthetic `scrape_samples_scraped`: samples in a successful scrape; in one a parse error or a
    /// limit failed, those parsed until then (the whole body's past a sample limit), as Prometheus
    /// counts them; 0 where the transfer failed.
    public var samplesScraped: Int
    /// Why the scrape failed, in Prometheus's words where it has them.
    public var error: String?
    /// Every sample of a successful scrape; empty when it failed (nothing partial is ever kept).
    public var samples: [Sample]
    /// Series the previous successful scrape had and this one does not (all of them when this one
    /// failed): the ones to mark stale.
    public var stale: [SeriesRef]
    /// Cut off by the caller's cancellation (the daemon stopping): no scrape at all,
    /// neither up nor down, and nothing to keep.
    public var cancelled = false

    /// A failed scrape: nothing kept, `stale` to mark, and why (in Prometheus's words where it has them).
    static func failure(
        _ error: String,
        duration: Double,
        samplesScraped: Int = 0,
        stale: [SeriesRef] = [],
        cancelled: Bool = false
    ) -> ScrapeResult {
        ScrapeResult(
            up: false,
            duration: duration,
            samplesScraped: samplesScraped,
            error: error,
            samples: [],
            stale: stale,
            cancelled: cancelled
        )
    }
}
