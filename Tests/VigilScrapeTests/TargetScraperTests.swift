import Testing
import VigilCore
import VigilHTTP

@testable import VigilScrape

/// One target scraped again and again, as Prometheus would.
struct TargetScraperTests {
    let transport = FakeTransport()

    func scraper(_ target: ScrapeTarget = ScrapeTarget(url: "http://app:8080/metrics")) -> TargetScraper {
        TargetScraper(target: target, transport: transport, clock: { 0 })
    }

    func names(_ result: ScrapeResult, _ scraper: TargetScraper) -> [String] {
        result.samples.map { LabelSet.description(of: scraper.cache.labels(of: $0.series) ?? []) }
    }

    /// The timeout header is written as Prometheus writes it: no trailing ".0", the fraction when there is one.
    @Test(arguments: [(10.0, "10"), (2.5, "2.5"), (0.25, "0.25")])
    func theTimeoutHeaderIsPrometheuss(timeout: Double, header: String) async {
        let scraper = scraper(ScrapeTarget(url: "http://app:8080/metrics", timeout: timeout))
        transport.answer("x 1\n")
        _ = await scraper.scrape()
        #expect(
            transport.requests[0].headers.first { $0.name == "X-Prometheus-Scrape-Timeout-Seconds" }?.value == header
        )
    }

    @Test func successfulScrapeResolvesEverySampleAndSendsPrometheusHeaders() async {
        let scraper = scraper(ScrapeTarget(url: "http://app:8080/metrics", timeout: 3, bodySizeLimit: 1000))
        transport.answer(
            "# TYPE up gauge\nrequests_total{code=\"200\"} 7\nrequests_total{code=\"500\"} 1 1700000000000\n"
        )
        let result = await scraper.scrape()
        #expect(result.up)
        #expect(result.error == nil)
        #expect(result.samplesScraped == 2)
        #expect(names(result, scraper) == ["requests_total{code=\"200\"}", "requests_total{code=\"500\"}"])
        #expect(result.samples.map(\.value) == [7, 1])
        #expect(result.samples.map(\.timestamp) == [nil, 1_700_000_000_000])
        let request = transport.requests[0]
        #expect(request.headers.first { $0.name == "Accept" }?.value == ExpositionFormat.acceptHeader)
        #expect(request.headers.first { $0.name == "X-Prometheus-Scrape-Timeout-Seconds" }?.value == "3")
        #expect(request.timeout == 3)
        #expect(request.maxBodyBytes == 1000)
    }

    @Test func openMetricsIsChosenByContentType() async {
        let scraper = scraper()
        transport.answer(
            "# TYPE a counter\na_total 1\n# EOF\n",
            contentType: "application/openmetrics-text; version=1.0.0"
        )
        #expect(await scraper.scrape().up)
        // The same body without "# EOF" as OpenMetrics is invalid: the format really was OpenMetrics.
        transport.answer("# TYPE a counter\na_total 1\n", contentType: "application/openmetrics-text; version=1.0.0")
        let result = await scraper.scrape()
        #expect(!result.up)
        #expect(result.error?.hasSuffix("missing \"# EOF\" at the end of the exposition") == true)
    }

    @Test func aBadBodyKeepsNothingAndMarksEverythingStale() async {
        let scraper = scraper()
        transport.answer("a 1\nb 1\n")
        let first = await scraper.scrape()
        transport.answer("a 2\nb 2\nc{oops 3\n")
        let second = await scraper.scrape()
        #expect(!second.up)
        #expect(second.samples.isEmpty)
        // The samples parsed before the bad line, as Prometheus reports them (nothing of them is kept).
        #expect(second.samplesScraped == 2)
        #expect(second.error == "http://app:8080/metrics:3:8: expected equal, got \"3\"")
        #expect(Set(second.stale) == Set(first.samples.map(\.series)))
        // Recovery: the series come back with the same references, and nothing more is stale.
        transport.answer("a 3\nb 3\n")
        let third = await scraper.scrape()
        #expect(third.up)
        #expect(third.samples.map(\.series) == first.samples.map(\.series))
        #expect(third.stale.isEmpty)
    }

    @Test func seriesThatDisappearGoStale() async {
        let scraper = scraper()
        transport.answer("a 1\nb 1\nc 1\n")
        _ = await scraper.scrape()
        transport.answer("a 2\nc 2\n")
        let result = await scraper.scrape()
        #expect(result.stale.map { LabelSet.description(of: scraper.cache.labels(of: $0) ?? []) } == ["b"])
    }

    @Test func theSampleLimitFailsTheWholeScrapeWithPrometheusWording() async {
        let limited = scraper(ScrapeTarget(url: "http://app:8080/metrics", sampleLimit: 2))
        transport.answer("a 1\nb 1\nc 1\nd 1\n")
        let tooMany = await limited.scrape()
        #expect(!tooMany.up && tooMany.samples.isEmpty)
        #expect(tooMany.error == "sample limit exceeded")
        // Read on to the end, as Prometheus reads on "so we report the correct total", and none of the
        // series past the limit is taken into the cache: the limit still bounds its growth.
        #expect(tooMany.samplesScraped == 4)
        #expect(limited.cache.seriesCount == 2)
        // A bad line past the limit is the scrape's error, as Prometheus's parser would meet it.
        transport.answer("a 1\nb 1\nc 1\nd{ 1\n")
        let broken = await limited.scrape()
        #expect(broken.error?.hasSuffix("expected label name, got \"1\"") == true, "\(broken.error ?? "")")
        #expect(broken.samplesScraped == 3)
        transport.fail(HTTPClientError(.bodyTooLarge, "whatever libcurl said"))
        #expect(await limited.scrape().samplesScraped == 0)
    }

    @Test func transportFailuresReadLikePrometheus() async {
        let scraper = scraper()
        transport.fail(HTTPClientError(.bodyTooLarge, "whatever libcurl said"))
        #expect(await scraper.scrape().error == "body size limit exceeded")
        transport.fail(HTTPClientError(.timeout, "Operation timed out"))
        #expect(await scraper.scrape().error == "Get \"http://app:8080/metrics\": context deadline exceeded")
        transport.fail(HTTPClientError(.connection, "http://app:8080/metrics: Failed to connect: Connection refused"))
        #expect(await scraper.scrape().error == "http://app:8080/metrics: Failed to connect: Connection refused")
        transport.answer("busy", status: 503)
        let unavailable = await scraper.scrape()
        #expect(!unavailable.up)
        #expect(unavailable.error == "server returned HTTP status 503")
    }

    @Test func firstScrapesAreSpreadOverTheIntervalAtAStablePhase() {
        let targets = (0..<50).map { ScrapeTarget(url: "http://10.0.0.\($0):9100/metrics", interval: 15) }
        let delays = targets.map { $0.firstScrapeDelay(now: 1_700_000_000) }
        #expect(delays.allSatisfy { $0 >= 0 && $0 < 15 })
        // Spread: the 50 targets do not start together.
        #expect(Set(delays.map { Int($0) }).count >= 10)
        // Stable: a target's phase in the cycle is the same whenever it is asked.
        let target = targets[7]
        let phaseNow = (1_700_000_000 + target.firstScrapeDelay(now: 1_700_000_000)).truncatingRemainder(dividingBy: 15)
        let phaseLater = (1_700_000_123.5 + target.firstScrapeDelay(now: 1_700_000_123.5)).truncatingRemainder(
            dividingBy: 15
        )
        #expect(abs(phaseNow - phaseLater) < 1e-6)
    }

    @Test func timeoutNeverExceedsTheInterval() {
        #expect(ScrapeTarget(url: "http://x/metrics", interval: 5, timeout: 10).timeout == 5)
    }
}
