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
    /// A node_exporter started for the test and killed with it (or by its guard, if the test dies).
    final class NodeExporter: @unchecked Sendable {
        let process = Process()
        let url: String
        /// Held for the exporter's life: releasing it kills the exporter.
        private var orphanGuard: OrphanGuard?

        init() throws {
            // A port unlikely to collide with other test runs on this machine.
            let port = 20_000 + Int(getpid() % 10_000)
            url = "http://127.0.0.1:\(port)/metrics"
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            orphanGuard = try OrphanGuard.run(
                process,
                URL(fileURLWithPath: "/usr/bin/prometheus-node-exporter"),
                ["--web.listen-address=127.0.0.1:\(port)"]
            )
        }

        deinit {
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { usleep(5_000) }
        }
    }

    @Test func scrapesARealNodeExporterTwiceWithStableSeries() async throws {
        let exporter = try NodeExporter()
        let client = CurlHTTPClient()
        // Wait for it to listen: at most 50 tries, 100 ms apart.
        var ready = false
        for _ in 0..<50 where !ready {
            ready = (try? await client.execute(HTTPRequest(url: exporter.url, timeout: 1)))?.status == 200
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(ready)

        let scraper = TargetScraper(
            target: ScrapeTarget(url: exporter.url, interval: 15, timeout: 10, sampleLimit: 50_000),
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
