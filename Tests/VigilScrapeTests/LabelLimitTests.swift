import MetricsTestKit
import Testing
import VigilCore
import VigilHTTP

@testable import VigilScrape

/// `label_limit`, `label_name_length_limit` and `label_value_length_limit`, judged as Prometheus's scrape
/// loop judges them: on the labels a series is stored with, after the target's labels and relabelling, on
/// unescaped bytes; one series over a limit fails the whole scrape.
struct LabelLimitTests {
    let transport = FakeTransport()

    func manager(
        _ limits: LabelLimits,
        honorLabels: Bool = false,
        relabelling: [RelabelRule] = [],
        sampleLimit: Int = 0
    ) -> ScrapeManager {
        let target = ScrapeTarget(
            url: "http://app:8080/metrics",
            job: "app",
            honorLabels: honorLabels,
            metricRelabeling: relabelling,
            sampleLimit: sampleLimit,
            labelLimits: limits
        )
        return ScrapeManager(targets: [target], transport: transport, store: SeriesStore())
    }

    /// The target's error after scraping `body` (nil: the scrape was taken in).
    func error(
        _ limits: LabelLimits,
        _ body: String,
        honorLabels: Bool = false,
        contentType: String = "text/plain; version=0.0.4"
    ) async -> String? {
        let manager = manager(limits, honorLabels: honorLabels)
        transport.answer(body, contentType: contentType)
        await manager.scrapeAll()
        let health = await manager.health[0]
        #expect((health.health == "up") == health.lastError.isEmpty)
        return health.lastError.isEmpty ? nil : health.lastError
    }

    /// `job` and `instance` count: the parser, which judged before, let `m{a="1"}` through with a limit
    /// of 3, and Prometheus fails it (four labels: `__name__`, `a`, `instance`, `job`).
    @Test func theTargetsLabelsCount() async {
        #expect(
            await error(LabelLimits(labels: 3), "m{a=\"1\"} 1\n")
                == "label_limit exceeded (metric: m, number of labels: 4, limit: 3)"
        )
        #expect(await error(LabelLimits(labels: 4), "m{a=\"1\"} 1\n") == nil)
        // A clash kept as exported_job is one label more; with honor_labels the exposed job stands in.
        #expect(
            await error(LabelLimits(labels: 4), "m{a=\"1\",job=\"x\"} 1\n")
                == "label_limit exceeded (metric: m, number of labels: 5, limit: 4)"
        )
        #expect(await error(LabelLimits(labels: 4), "m{a=\"1\",job=\"x\"} 1\n", honorLabels: true) == nil)
    }

    /// A label with an empty value is no label, so it counts for nothing.
    @Test func anEmptyLabelIsNoLabel() async {
        #expect(await error(LabelLimits(labels: 3), "m{a=\"\"} 1\n") == nil)
    }

    /// Lengths are of the unescaped bytes: `\\` is the one byte `\` (the parser counted two and refused
    /// what Prometheus takes), and `é` is two. The value is quoted as Go's `%q` quotes it. (The limit is 8
    /// because `instance`, `app:8080`, counts too.)
    @Test func lengthsAreOfUnescapedBytes() async {
        #expect(await error(LabelLimits(valueLength: 8), "m{a=\"abcdef\\\\g\"} 1\n") == nil)
        #expect(
            await error(LabelLimits(valueLength: 8), "m{a=\"abcdefg\\\\h\"} 1\n")
                == "label_value_length_limit exceeded (metric: m, label name: a, value: \"abcdefg\\\\h\", length: 9, limit: 8)"
        )
        #expect(await error(LabelLimits(valueLength: 8), "m{a=\"abcde\u{E9}\\n\"} 1\n") == nil)
        #expect(
            await error(LabelLimits(valueLength: 8), "m{a=\"abcdef\u{E9}\\n\"} 1\n")
                == "label_value_length_limit exceeded (metric: m, label name: a, value: \"abcdef\u{E9}\\n\", length: 9, limit: 8)"
        )
    }

    /// Names are judged in name order, `__name__` among them (its value is the metric name), as
    /// Prometheus's sorted label set is: a name limit under 8 fails every series on `__name__`.
    @Test func labelsAreJudgedInNameOrderWithTheMetricName() async {
        #expect(
            await error(LabelLimits(nameLength: 5), "m{a=\"1\"} 1\n")
                == "label_name_length_limit exceeded (metric: m, label name: __name__, length: 8, limit: 5)"
        )
        #expect(
            await error(LabelLimits(nameLength: 8), "m{zone_name=\"1\",region=\"2\"} 1\n")
                == "label_name_length_limit exceeded (metric: m, label name: zone_name, length: 9, limit: 8)"
        )
        #expect(
            await error(LabelLimits(valueLength: 7), "latency{a=\"1\"} 1\n")
                == "label_value_length_limit exceeded (metric: latency, label name: instance, value: \"app:8080\", length: 8, limit: 7)"
        )
        #expect(
            await error(LabelLimits(valueLength: 10), "requests_total{a=\"1\"} 1\n")
                == "label_value_length_limit exceeded (metric: requests_total, label name: __name__, value: \"requests_total\", length: 14, limit: 10)"
        )
    }

    /// OpenMetrics targets are judged the same way.
    @Test func anOpenMetricsTargetIsJudgedAlike() async {
        #expect(
            await error(
                LabelLimits(labels: 3),
                "# TYPE m gauge\nm{a=\"1\"} 1\n# EOF\n",
                contentType: "application/openmetrics-text; version=1.0.0; charset=utf-8"
            ) == "label_limit exceeded (metric: m, number of labels: 4, limit: 3)"
        )
    }

    /// Nothing of a scrape with a series over a limit is kept: the series stored before go stale, none of
    /// its series is stored, and a scrape without the offending series is taken in again.
    @Test func aSeriesOverALimitFailsTheWholeScrape() async {
        let manager = manager(LabelLimits(labels: 4))
        transport.answer("queue 1\n")
        await manager.scrapeAll()
        #expect(await manager.exposition().contains("metric=\"queue\""))
        transport.answer("queue 2\nfresh 1\nwide{a=\"1\",b=\"2\"} 1\nlast 1\n")
        await manager.scrapeAll()
        let health = await manager.health[0]
        #expect(health.health == "down")
        #expect(health.lastError == "label_limit exceeded (metric: wide, number of labels: 5, limit: 4)")
        // Prometheus stops at the offending sample: it and those before it are counted.
        #expect(health.samplesScraped == 3)
        #expect(!(await manager.exposition().contains("metric=\"queue\"")))
        // Every new series is judged before any is stored: `fresh`, before `wide` in the body, is not.
        let stored = await manager.seriesDescriptions()
        #expect(!stored.contains { $0.hasPrefix("fresh") || $0.hasPrefix("wide") }, "\(stored)")
        // Judged again on every scrape that shows it, not remembered as dropped.
        transport.answer("queue 3\nwide{a=\"1\",b=\"2\"} 1\n")
        await manager.scrapeAll()
        #expect(await manager.health[0].lastError.hasPrefix("label_limit exceeded (metric: wide"))
        transport.answer("queue 4\nfresh 2\n")
        await manager.scrapeAll()
        #expect(await manager.health[0].health == "up")
        #expect(await manager.exposition().contains("metric=\"fresh\""))
    }

    /// A scrape the manager fails (a label limit, the sample limit after relabelling) is counted as the
    /// failure it is: `vigil_scrapes_total` counted it by the scraper's verdict, a success.
    @Test func aScrapeFailedOnALimitIsCountedAsAFailure() async throws {
        let metrics = TestMetrics()
        let target = ScrapeTarget(url: "http://app:8080/metrics", job: "app", labelLimits: LabelLimits(labels: 3))
        let manager = ScrapeManager(targets: [target], transport: transport, store: SeriesStore(), metrics: metrics)
        transport.answer("ok 1\nwide{a=\"1\",b=\"2\"} 1\n")
        await manager.scrapeAll()
        #expect(await manager.health[0].health == "down")
        #expect(try metrics.expectCounter("vigil_scrapes_total", [("result", "failure")]).totalValue == 1)
        #expect((try? metrics.expectCounter("vigil_scrapes_total", [("result", "success")]).totalValue) ?? 0 == 0)
        #expect((try? metrics.expectCounter("vigil_samples_scraped_total").totalValue) ?? 0 == 0)
        transport.answer("ok 2\n")
        await manager.scrapeAll()
        #expect(try metrics.expectCounter("vigil_scrapes_total", [("result", "success")]).totalValue == 1)
        #expect(try metrics.expectCounter("vigil_samples_scraped_total").totalValue == 1)
    }

    /// Prometheus reads on past the sample limit, and a series over a label limit anywhere in the body
    /// fails the scrape with its own error; the parser stopped at the sample limit first.
    @Test func aLabelLimitErrorWinsOverTheSampleLimits() async {
        let manager = manager(LabelLimits(labels: 4), sampleLimit: 1)
        transport.answer("a 1\nb 1\nwide{x=\"1\",y=\"2\"} 1\n")
        await manager.scrapeAll()
        #expect(
            await manager.health[0].lastError == "label_limit exceeded (metric: wide, number of labels: 5, limit: 4)"
        )
        transport.answer("a 1\nb 1\n")
        await manager.scrapeAll()
        #expect(await manager.health[0].lastError == "sample limit exceeded")
        #expect(await manager.health[0].samplesScraped == 2)
        // Judged before any series is admitted, as the label limits are: nothing of either scrape is stored.
        #expect(await manager.seriesCount == 3)  // up, scrape_duration_seconds, scrape_samples_scraped
        transport.answer("a 1\n")
        await manager.scrapeAll()
        #expect(await manager.health[0].health == "up")
    }

    /// A series relabelling drops is never stored, so no limit judges it.
    @Test func aSeriesRelabellingDropsIsNotJudged() async throws {
        let drop = try RelabelRule(action: .drop, sourceLabels: ["__name__"], regex: "wide")
        let manager = manager(LabelLimits(labels: 4), relabelling: [drop])
        transport.answer("queue 1\nwide{x=\"1\",y=\"2\"} 1\n")
        await manager.scrapeAll()
        #expect(await manager.health[0].health == "up")
        #expect(await manager.exposition().contains("metric=\"queue\""))
    }

    /// Names and values in the message are cut as Go's `%.50s` cuts them, and quoted as its `%q` quotes.
    @Test func theMessageCutsAndQuotesAsGoDoes() {
        let long = String(repeating: "\u{E9}", count: 60)
        let limits = LabelLimits(valueLength: 4)
        #expect(
            limits.violation([("__name__", long)])
                == "label_value_length_limit exceeded (metric: \(String(repeating: "\u{E9}", count: 50)), "
                + "label name: __name__, value: \"\(String(repeating: "\u{E9}", count: 50))\", length: 120, limit: 4)"
        )
        let awkward = "a\"b\\c\n\t\u{7}\u{1}\u{7F}\u{85}\u{200B}\u{1F600} z"
        #expect(goQuoted(awkward) == #""a\"b\\c\n\t\a\x01\x7f\u0085\u200b😀 z""#)
        #expect(LabelLimits.none.violation([("__name__", long)]) == nil)
    }
}
