import VigilCore
import VigilHTTP

/// Scrapes one target, over and over: HTTP with Prometheus's `Accept` header, content negotiation,
/// the target's limits, its own series cache (so a repeated scrape skips label parsing), all-or-nothing
/// results, and staleness.
///
/// Not thread-safe: one scraper per target, driven by one loop.
public final class TargetScraper<Transport: HTTPTransport> {
    public let target: ScrapeTarget
    public let cache: SeriesCache
    private let transport: Transport
    private var previous: Set<SeriesRef> = []
    private let clock: @Sendable () -> Double

    /// `clock` returns seconds (monotonic is best); it times each scrape.
    public init(
        target: ScrapeTarget,
        transport: Transport,
        cache: SeriesCache = SeriesCache(),
        clock: @escaping @Sendable () -> Double
    ) {
        self.target = target
        self.transport = transport
        self.cache = cache
        self.clock = clock
    }

    /// Performs one scrape.
    public func scrape() async -> ScrapeResult {
        let start = clock()
        let request = HTTPRequest(
            url: target.url,
            headers: [("Accept", ExpositionFormat.acceptHeader)],
            connectTimeout: target.timeout,
            timeout: target.timeout,
            maxBodyBytes: target.bodySizeLimit
        )
        let outcome: Result<[ScrapeResult.Sample], ScrapeFailure>
        do {
            let response = try await transport.execute(request)
            outcome = parse(response)
        } catch {
            outcome = .failure(ScrapeFailure(message: describe(error)))
        }
        let duration = clock() - start
        switch outcome {
        case .success(let samples):
            let seen = Set(samples.map(\.series))
            let stale = previous.subtracting(seen).sorted()
            previous = seen
            return ScrapeResult(
                up: true,
                duration: duration,
                samplesScraped: samples.count,
                error: nil,
                samples: samples,
                stale: stale
            )
        case .failure(let failure):
            let stale = previous.sorted()
            previous = []
            return ScrapeResult(
                up: false,
                duration: duration,
                samplesScraped: 0,
                error: failure.message,
                samples: [],
                stale: stale
            )
        }
    }

    private struct ScrapeFailure: Error {
        var message: String
    }

    private func parse(_ response: HTTPResponse) -> Result<[ScrapeResult.Sample], ScrapeFailure> {
        guard response.status == 200 else {
            return .failure(ScrapeFailure(message: "server returned HTTP status \(response.status)"))
        }
        let format = ExpositionFormat(contentType: response.header("Content-Type"))
        cache.beginScrape()
        var parser = ExpositionParser(bytes: response.body, format: format, limits: target.labelLimits, cache: cache)
        var samples: [ScrapeResult.Sample] = []
        do {
            while let entry = try parser.next() {
                guard entry == .sample, let series = parser.seriesRef else { continue }
                samples.append(ScrapeResult.Sample(series: series, value: parser.value, timestamp: parser.timestamp))
                if target.sampleLimit > 0, samples.count > target.sampleLimit {
                    return .failure(ScrapeFailure(message: "sample limit exceeded"))
                }
            }
        } catch {
            return .failure(ScrapeFailure(message: "\(target.url):\(error)"))
        }
        return .success(samples)
    }

    private func describe(_ error: HTTPClientError) -> String {
        switch error.kind {
        case .bodyTooLarge: "body size limit exceeded"
        case .timeout: "Get \"\(target.url)\": context deadline exceeded"
        default: error.message
        }
    }
}
