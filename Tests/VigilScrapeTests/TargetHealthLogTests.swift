import Logging
import Testing
import VigilCore
import VigilHTTP
import VigilTestKit

@testable import VigilScrape

/// A target going down and coming back is told once each way, not once a scrape: a target down for a
/// day would fill the log, and one that went down unannounced was found only in `/api/v1/targets`.
struct TargetHealthLogTests {
    @Test func aTargetDownAndBackIsToldOnceEachWay() async {
        let transport = FakeTransport()
        let log = LogRecorder()
        let target = ScrapeTarget(url: "http://admin:hunter2@app:8080/metrics", job: "app")
        let manager = ScrapeManager(targets: [target], transport: transport, store: SeriesStore(), logger: log.logger)
        transport.answer("queue 1\n")
        await manager.scrapeAll()
        #expect(log.entries.isEmpty, "a target up from its first scrape is no news")
        for _ in 0..<3 {
            transport.fail(HTTPClientError(.connection, "connection refused"))
            await manager.scrapeAll()
        }
        for _ in 0..<2 {
            transport.answer("queue 1\n")
            await manager.scrapeAll()
        }
        #expect(log.entries.map(\.level) == [.warning, .notice], "\(log.entries)")
        let down = log.entries.first
        #expect(down?.message == "target down: its series are not scored until it answers")
        #expect(down?.metadata["job"] == "app" && down?.metadata["instance"] == "app:8080")
        #expect(down?.metadata["error"]?.description.contains("connection refused") == true)
        #expect(down?.metadata["url"]?.description.contains("hunter2") == false, "the password is not logged")
        #expect(log.entries.last?.message == "target up again")
    }
}
