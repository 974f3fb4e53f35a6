import VigilCore
import VigilHTTP

/// One target's scrape body, parsed piece by piece as it arrives, on the transport's thread: no scrape
/// ever holds its whole body, and each piece is parsed while its bytes are still in the CPU cache.
///
/// It collects the scrape's samples and learns each new series's ``SampleRole``; a parse error stops the
/// transfer at once. Past the sample limit it collects nothing more and resolves no series into the
/// cache, but reads on, counting, as Prometheus reads on "so we report the correct total" in
/// `scrape_samples_scraped` (the body size limit bounds it). `@unchecked Sendable` because the transport calls it from
/// its own thread: the scrape that owns it hands it over for the transfer (``begin()``) and reads it
/// only after the transfer has ended, so it is never touched from two threads at once.
final class ScrapeBodyParser: @unchecked Sendable {
    private let url: String
    private let cache: SeriesCache
    private let sampleLimit: Int
    /// Per series of the cache: how its samples are read, fixed when a scrape first shows it.
    private(set) var roles: [SampleRole?] = []
    private var samples: [ScrapeResult.Sample] = []
    private var stream: ExpositionStream?
    /// Why this scrape failed while its body was arriving.
    private(set) var failure: String?
    private var sampleCapacity = 0

    init(url: String, cache: SeriesCache, sampleLimit: Int) {
        self.url = url
        self.cache = cache
        self.sampleLimit = sampleLimit
    }

    /// Starts a scrape.
    func begin() {
        cache.beginScrape()
        stream = nil
        failure = nil
        samples = []
        samples.reserveCapacity(sampleCapacity)
    }

    /// The samples parsed so far, those past the sample limit included: what a failed scrape's
    /// `scrape_samples_scraped` reports, as Prometheus reports the samples it parsed before an error.
    var parsed: Int { samples.count + (stream?.unresolvedSamples ?? 0) }

    /// Takes a piece of the body; false stops the transfer (a refused status, a parse error).
    func receive(_ head: HTTPResponseHead, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard failure == nil else { return false }
        if stream == nil {
            guard start(head) else { return false }
        }
        return parse { stream, accept throws(ExpositionError) in try stream.consume(bytes, accept) }
    }

    /// Ends the scrape once the transfer completed: every sample, or why there are none.
    func finish(_ head: HTTPResponseHead) -> Result<[ScrapeResult.Sample], ScrapeFailure> {
        if failure == nil, stream == nil { _ = start(head) }  // a body with no bytes
        if failure == nil {
            _ = parse { stream, accept throws(ExpositionError) in try stream.finish(accept) }
        }
        if failure == nil, let stream, stream.unresolvedSamples > 0 { failure = "sample limit exceeded" }
        let parsed = self.parsed
        stream = nil
        if let failure { return .failure(ScrapeFailure(message: failure, samplesScraped: parsed)) }
        sampleCapacity = samples.count
        defer { samples = [] }
        return .success(samples)
    }

    /// Ends a scrape whose transfer failed: nothing it parsed is kept.
    func abandon() {
        stream = nil
        samples = []
    }

    private func start(_ head: HTTPResponseHead) -> Bool {
        guard head.status == 200 else {
            failure = "server returned HTTP status \(head.status)"
            return false
        }
        let format = ExpositionFormat(contentType: head.header("Content-Type"))
        // OpenMetrics as Prometheus's scraper reads it: what Prometheus scrapes is not down here.
        var stream = ExpositionStream(format: format, reading: .prometheus, cache: cache)
        // Past the limit nothing of the scrape is kept: the rest is parsed only to be counted, and its
        // series stay out of the cache (the body size limit bounds the reading).
        stream.resolvedSampleLimit = sampleLimit
        self.stream = stream
        return true
    }

    /// Runs one step of the stream with a handler that collects samples. The arrays are moved into
    /// locals for the step, so the per-sample work has no dynamic exclusivity checks on class properties.
    private func parse(
        _ step: (inout ExpositionStream, ExpositionStream.SampleHandler) throws(ExpositionError) -> Bool
    ) -> Bool {
        var samples: [ScrapeResult.Sample] = []
        var roles: [SampleRole?] = []
        var stream = self.stream!
        swap(&samples, &self.samples)
        swap(&roles, &self.roles)
        self.stream = nil
        defer {
            swap(&samples, &self.samples)
            swap(&roles, &self.roles)
            self.stream = stream
        }
        do {
            return try step(&stream) { sample, role in
                let index = Int(sample.series.index)
                if index >= roles.count {
                    roles.append(contentsOf: repeatElement(nil, count: index + 1 - roles.count))
                }
                if roles[index] == nil { roles[index] = role() }
                samples.append(sample)
                return true
            }
        } catch {
            failure = "\(url):\(error)"
            return false
        }
    }
}

/// Why a scrape failed, in Prometheus's words where it has them, and how many samples it had parsed.
struct ScrapeFailure: Error {
    var message: String
    var samplesScraped = 0
}
