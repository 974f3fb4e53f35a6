/// A target's latest scrape, as Prometheus's `/api/v1/targets` reports it.
public struct TargetHealth: Sendable, Equatable, Codable {
    public var url: String
    public var labels: [String: String]
    /// "unknown" until the first scrape ends, then "up" or "down".
    public var health: String
    public var lastError: String
    /// Seconds since the epoch when the latest scrape started, 0 before the first.
    public var lastScrape: Double
    public var lastScrapeDuration: Double
    public var samplesScraped: Int
}
