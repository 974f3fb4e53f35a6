import Foundation
import Testing
import VigilCore
import VigilHTTP
import VigilTestKit

@testable import VigilScrape

#if canImport(Glibc)
import Glibc
#endif

/// The scraper against a real target: Debian's prometheus-node-exporter on a loopback port.
@Suite(.serialized)
struct NodeExporterTests {
    @Test func scrapesARealNodeExporterTwiceWithStableSeries() async throws {
        // A port unlikely to collide with other test runs on this machine.
        let exporter = try NodeExporter(port: 20_000 + Int(getpid() % 10_000))
        defer { withExtendedLifetime(exporter) {} }  // running until the test ends, not until its last use
        try #require(await exporter.listening(), "node_exporter did not start")
        let client = CurlHTTPClient()
        let scraper = TargetScraper(
            target: ScrapeTarget(
                url: "http://127.0.0.1:\(exporter.port)/metrics",
                interval: 15,
                timeout: 10,
                sampleLimit: 50_000
            ),
            transport: client,
            clock: { Date().timeIntervalSince1970 }
        )
        let first = await scraper.scrape()
        #expect(first.up, "\(first.error ?? "")")
        #expect(first.samplesScraped > 100)
        #expect(first.duration > 0)
        let names = Set(
            first.samples.map { sample in
                scraper.cache.labels(of: sample.series)?.first {
                    $0.name == "__name__"
                }?.value ?? ""
            }
        )
        #expect(names.contains("node_load1"))
        #expect(names.contains("go_goroutines"))

        let second = await scraper.scrape()
        #expect(second.up)
        // The second scrape resolves through the cache to the same series.
        let firstSeries = Set(first.samples.map(\.series))
        let secondSeries = Set(second.samples.map(\.series))
        #expect(firstSeries.intersection(secondSeries).count > first.samplesScraped * 9 / 10)
    }
}
