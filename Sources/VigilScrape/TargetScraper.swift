import VigilCore
import VigilHTTP

/// Scrapes one target, over and over: HTTP with Prometheus's `Accept` header, content negotiation,
/// the target's sample and body size limits, its own series cache (so a repeated scrape skips label
/// parsing), all-or-nothing results, and staleness. Its label limits judge stored labels: the
/// ``ScrapeManager`` checks them after relabelling.
///
/// Not thread-safe: one scraper per target, driven by one loop. Not generic: the transport is called
/// once per scrape, and a generic class pays for metadata lookups on every field access of its
/// per-sample loop.
public final class TargetScraper {
    public let target: ScrapeTarget
    public let cache: SeriesCache
    private let transport: any HTTPTransport
    private let clock: @Sendable () -> Double
    private let body: ScrapeBodyParser
    /// Per series of the cache: the number of the last successful scrape that exposed it (0: none yet).
    private var lastSeen: [UInt32] = []
    /// The scrape stamp: counts successful scrapes, and a failed scrape after one (so the series it
    /// reported stale are not reported again); the latest success stamped its series with it.
    private var successes: UInt32 = 0

    /// The scrape timeout in seconds, written as Go's `FormatFloat(…, 'f', -1, 64)` writes it ("10", "2.5"):
    /// made once, not at every scrape.
    private let timeoutHeader: String

    /// `clock` returns seconds (monotonic is best); it times each scrape.
    public init(
        target: ScrapeTarget,
        transport: any HTTPTransport,
        cache: SeriesCache = SeriesCache(),
        clock: @escaping @Sendable () -> Double
    ) {
        self.target = target
        self.transport = transport
        self.cache = cache
        self.clock = clock
        let seconds = target.timeout
        timeoutHeader = seconds == seconds.rounded() && abs(seconds) < 1e15 ? String(Int(seconds)) : String(seconds)
        body = ScrapeBodyParser(
            url: target.displayURL,
            cache: cache,
            sampleLimit: target.sampleLimit
        )
    }

    /// Scrapes so far (successful ones, and failed ones after a success): the clock of ``lastSeen(_:)``.
    public var scrapeCount: UInt32 { successes }

    /// The number (by ``scrapeCount``) of the last successful scrape that exposed `series`; 0 if none.
    public func lastSeen(_ series: SeriesRef) -> UInt32 {
        Int(series.index) < lastSeen.count ? lastSeen[Int(series.index)] : 0
    }

    /// How the samples of a series of this target's cache are read.
    public func role(of series: SeriesRef) -> SampleRole {
        let roles = body.roles
        return Int(series.index) < roles.count ? roles[Int(series.index)] ?? .gauge : .gauge
    }

    /// Performs one scrape. It runs on the caller's actor, so a scrape manager can own its scrapers; the
    /// body is parsed as it arrives, on the transport's thread, while this waits.
    nonisolated(nonsending) public func scrape() async -> ScrapeResult {
        let start = clock()
        let request = HTTPRequest(
            url: target.url,
            // The timeout header as Prometheus sends it: the blackbox and SNMP exporters fit their probe
            // within it, so a slow probe answers "failed" rather than Vigil timing out on it.
            headers: [
                ("Accept", ExpositionFormat.acceptHeader), ("X-Prometheus-Scrape-Timeout-Seconds", timeoutHeader),
            ],
            connectTimeout: target.timeout,
            timeout: target.timeout,
            maxBodyBytes: target.bodySizeLimit,
            tls: target.tls,
            authorization: target.authorization,
            // Prometheus scrapes through no proxy unless its job says so (`proxy_from_environment` and
            // `proxy_url` are off by default; Vigil's jobs have neither): a daemon started from a shell
            // with `http_proxy` set must not send its pod-IP scrapes to the office proxy.
            proxy: .direct
        )
        let outcome: Result<[ScrapeResult.Sample], ScrapeFailure>
        let body = self.body
        body.begin()
        do {
            let response = try await transport.stream(request) { head, bytes in body.receive(head, bytes) }
            outcome = body.finish(response.head)
        } catch {
            // A failure the parser caused (it stopped the transfer) is told in the parser's words.
            let failure =
                body.failure.map { ScrapeFailure(message: $0, samplesScraped: body.parsed) }
                ?? ScrapeFailure(message: describe(error))
            let cutOff = error.kind == .cancelled && body.failure == nil && Task.isCancelled
            body.abandon()
            // Cut off by its caller (the manager stopping): no scrape, so nothing is stale and no stamp
            // moves. The caller drops the result.
            if cutOff { return .failure(failure.message, duration: clock() - start, cancelled: true) }
            outcome = .failure(failure)
        }
        let duration = clock() - start
        switch outcome {
        case .success(let samples):
            successes &+= 1
            if lastSeen.count < cache.seriesCount {
                lastSeen.append(contentsOf: repeatElement(0, count: cache.seriesCount - lastSeen.count))
            }
            for sample in samples { lastSeen[Int(sample.series.index)] = successes }
            return ScrapeResult(
                up: true,
                duration: duration,
                samplesScraped: samples.count,
                error: nil,
                samples: samples,
                stale: seriesLastSeen(in: successes &- 1)
            )
        case .failure(let failure):
            let stale = seriesLastSeen(in: successes)
            // Everything is gone now: a later success must not report these again.
            successes &+= 1
            return .failure(failure.message, duration: duration, samplesScraped: failure.samplesScraped, stale: stale)
        }
    }

    /// Series whose last appearance was in successful scrape number `stamp`.
    private func seriesLastSeen(in stamp: UInt32) -> [SeriesRef] {
        guard stamp > 0 else { return [] }
        var stale: [SeriesRef] = []
        for (index, seen) in lastSeen.enumerated() where seen == stamp {
            stale.append(SeriesRef(index: UInt32(index)))
        }
        return stale
    }

    private func describe(_ error: HTTPClientError) -> String {
        switch error.kind {
        case .bodyTooLarge: "body size limit exceeded"
        case .timeout: "Get \"\(target.displayURL)\": context deadline exceeded"
        default: error.message
        }
    }
}
