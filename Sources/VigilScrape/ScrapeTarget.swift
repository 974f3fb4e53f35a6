import VigilCore

/// One thing to scrape, with the limits Prometheus's `scrape_config` puts on it.
public struct ScrapeTarget: Sendable, Equatable {
    public var url: String
    /// Seconds between scrapes, and the most one scrape may take (must not exceed the interval).
    public var interval: Double
    public var timeout: Double
    /// Most samples one scrape may hold (0 = unlimited); exceeding it fails the whole scrape.
    public var sampleLimit: Int
    /// Most decoded body bytes (0 = unlimited); exceeding it fails the whole scrape.
    public var bodySizeLimit: Int
    /// Label limits, as `label_limit`, `label_name_length_limit`, `label_value_length_limit`.
    public var labelLimits: ExpositionLimits

    public init(
        url: String,
        interval: Double = 15,
        timeout: Double = 10,
        sampleLimit: Int = 0,
        bodySizeLimit: Int = 0,
        labelLimits: ExpositionLimits = .default
    ) {
        self.url = url
        self.interval = interval
        self.timeout = min(timeout, interval)
        self.sampleLimit = sampleLimit
        self.bodySizeLimit = bodySizeLimit
        self.labelLimits = labelLimits
    }

    /// How long after `now` (seconds since the epoch) this target's first scrape should start, so that
    /// targets sharing an interval are spread over it, each at a stable phase, as Prometheus spreads them
    /// (`Target.offset`): the phase comes from a hash of the URL.
    public func firstScrapeDelay(now: Double) -> Double {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in url.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        let phase = Double(hash % 1_000_000) / 1_000_000 * interval
        let sinceCycleStart = now.truncatingRemainder(dividingBy: interval)
        let delay = phase - sinceCycleStart
        return delay < 0 ? delay + interval : delay
    }
}
