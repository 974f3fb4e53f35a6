import Foundation
import Testing
import VigilCore
import VigilEngine
import VigilHTTP

@testable import VigilScrape

/// The pipeline from scrape to score: target labels, relabelling, roles, staleness, anomalies.
struct ScrapeManagerTests {
    let transport = FakeTransport()

    /// A wall clock the test moves by hand.
    final class ManualClock: @unchecked Sendable {
        private let lock = NSLock()
        private var seconds = 1_700_000_000.0
        var now: Double { lock.withLock { seconds } }
        func advance(_ by: Double) { lock.withLock { seconds += by } }
    }

    func manager(_ targets: [ScrapeTarget], clock: ManualClock = ManualClock()) -> ScrapeManager {
        ScrapeManager(targets: targets, transport: transport, store: SeriesStore(), wallClock: { clock.now })
    }

    /// The stored series as Prometheus would print them.
    func storedSeries(_ manager: ScrapeManager) async -> Set<String> {
        await manager.seriesDescriptions()
    }

    @Test func targetLabelsAreAttachedAndClashesRenamedAsPrometheusDoes() async {
        let target = ScrapeTarget(url: "http://app:8080/metrics", job: "checkout", labels: ["team": "payments"])
        let manager = manager([target])
        transport.answer("requests{job=\"inner\",instance=\"pod-1\",code=\"200\"} 1\n")
        await manager.scrapeAll()
        let series = await storedSeries(manager)
        #expect(
            series.contains(
                "requests{code=\"200\", exported_instance=\"pod-1\", exported_job=\"inner\", instance=\"app:8080\", job=\"checkout\", team=\"payments\"}"
            )
        )
        #expect(series.contains("up{instance=\"app:8080\", job=\"checkout\", team=\"payments\"}"))
    }

    @Test func honorLabelsKeepsTheExposedValues() async {
        let target = ScrapeTarget(url: "http://pushgateway:9091/metrics", job: "push", honorLabels: true)
        let manager = manager([target])
        transport.answer("last_success{job=\"batch\",instance=\"cron-1\"} 1\n")
        await manager.scrapeAll()
        #expect(await storedSeries(manager).contains("last_success{instance=\"cron-1\", job=\"batch\"}"))
    }

    /// An empty label value is no label, as Prometheus stores it: `foo{a=""}` is the series `foo` (one
    /// series, scored once), and an exposed `job=""` is no clash to keep as `exported_job`.
    @Test func anEmptyLabelValueIsNoLabel() async {
        let manager = manager([ScrapeTarget(url: "http://app:8080/metrics", job: "app")])
        transport.answer("foo{a=\"\"} 1\nfoo 2\nup2{job=\"\",code=\"200\"} 1\n")
        await manager.scrapeAll()
        let series = await storedSeries(manager).filter { !$0.hasPrefix("up{") && !$0.hasPrefix("scrape_") }
        #expect(
            series == [
                "foo{instance=\"app:8080\", job=\"app\"}", "up2{code=\"200\", instance=\"app:8080\", job=\"app\"}",
            ]
        )
    }

    @Test func relabellingKeepsAndDropsByAnchoredRegex() async throws {
        let target = ScrapeTarget(
            url: "http://app:8080/metrics",
            job: "app",
            metricRelabeling: [
                try RelabelRule(action: .drop, sourceLabels: ["__name__"], regex: "go_.*"),
                try RelabelRule(action: .keep, sourceLabels: ["__name__", "mode"], regex: "cpu;(idle|user)|[^c].*;"),
            ]
        )
        let manager = manager([target])
        transport.answer(
            "go_goroutines 7\nxgo_thing 1\ncpu{mode=\"idle\"} 1\ncpu{mode=\"system\"} 1\ncpu{mode=\"user_x\"} 1\n"
        )
        await manager.scrapeAll()
        let names = await storedSeries(manager).filter { !$0.hasPrefix("up") && !$0.hasPrefix("scrape_") }
        #expect(
            names == [
                "xgo_thing{instance=\"app:8080\", job=\"app\"}",
                "cpu{instance=\"app:8080\", job=\"app\", mode=\"idle\"}",
            ]
        )
        #expect(throws: (any Error).self) { try RelabelRule(action: .keep, sourceLabels: ["a"], regex: "(unclosed") }
    }

    /// `regex` was a public `var` compiled again with `try!` for every scrape loop: a rule given a bad
    /// pattern after its initializer had checked the first one trapped the daemon. Now every field is
    /// fixed at the initializer, which compiles the pattern once and keeps it.
    @Test func aRelabelRuleIsImmutableOnceValidated() throws {
        let regex: AnyKeyPath = \RelabelRule.regex
        let separator: AnyKeyPath = \RelabelRule.separator
        let sources: AnyKeyPath = \RelabelRule.sourceLabels
        #expect(!(regex is WritableKeyPath<RelabelRule, String>))
        #expect(!(separator is WritableKeyPath<RelabelRule, String>))
        #expect(!(sources is WritableKeyPath<RelabelRule, [String]>))
        let rule = try RelabelRule(action: .keep, sourceLabels: ["a", "b"], regex: "x;(y|z)")
        #expect(rule.keeps([(name: "a", value: "x"), (name: "b", value: "z")]))
        #expect(!rule.keeps([(name: "a", value: "x")]))
        #expect(rule == (try RelabelRule(action: .keep, sourceLabels: ["a", "b"], regex: "x;(y|z)")))
    }

    @Test func theSampleLimitCountsWhatRelabellingKeepsAsPrometheusCountsIt() async throws {
        let target = ScrapeTarget(
            url: "http://app:8080/metrics",
            job: "app",
            metricRelabeling: [try RelabelRule(action: .drop, sourceLabels: ["__name__"], regex: "go_.*")],
            sampleLimit: 2
        )
        let manager = manager([target])
        // Four samples, two after relabelling: within the limit.
        transport.answer("go_a 1\ngo_b 1\nqueue 1\nlatency 1\n")
        await manager.scrapeAll()
        #expect(await manager.health[0].health == "up")
        #expect(await manager.exposition().contains("metric=\"queue\""))
        // Three kept: over it. The whole scrape fails and the target's series go stale.
        transport.answer("go_a 1\nqueue 2\nlatency 2\nerrors 1\n")
        await manager.scrapeAll()
        let health = await manager.health[0]
        #expect(health.health == "down")
        #expect(health.lastError == "sample limit exceeded")
        #expect(health.samplesScraped == 4)  // every sample of the body, as Prometheus reports it
        #expect(!(await manager.exposition().contains("metric=\"queue\"")))
        // A series first seen in the refused scrape is not stored: the limit is judged before any is admitted.
        #expect(!(await manager.exposition().contains("metric=\"errors\"")))
        #expect(!(await manager.seriesDescriptions().contains { $0.hasPrefix("errors") }))
    }

    @Test func countersAreScoredAsRatesAndBucketsAreSkipped() async {
        let clock = ManualClock()
        let manager = manager([ScrapeTarget(url: "http://app:8080/metrics", job: "app")], clock: clock)
        for round in 0..<3 {
            transport.answer(
                """
                # TYPE requests counter
                requests_total \(100 * round)
                # TYPE latency histogram
                latency_bucket{le="1"} \(round)
                latency_bucket{le="+Inf"} \(round)
                latency_sum \(round)
                latency_count \(round)
                # TYPE temperature gauge
                temperature 20
                requests_in_flight 3

                """
            )
            await manager.scrapeAll()
            clock.advance(10)
        }
        let roles = await manager.roles()
        #expect(roles["requests_total"] == .cumulative)
        #expect(roles["latency_bucket"] == .skipped)
        #expect(roles["latency_count"] == .cumulative)
        #expect(roles["latency_sum"] == .cumulative)
        #expect(roles["temperature"] == .gauge)
        // Untyped, although it follows a gauge's # TYPE line: another family.
        #expect(roles["requests_in_flight"] == .gauge)
        let exposition = await manager.exposition()
        #expect(
            exposition.contains(
                "vigil_anomaly_score{metric=\"requests_total\",instance=\"app:8080\",job=\"app\",detector=\"ensemble\"} 0.000000\n"
            )
        )
        #expect(!exposition.contains("latency_bucket"))
    }

    /// A target scraped every 10 minutes has its counters scored: their rates span its interval.
    @Test func aCounterScrapedEveryTenMinutesIsScored() async {
        let clock = ManualClock()
        let target = ScrapeTarget(url: "http://app:8080/metrics", job: "app", interval: 600)
        let manager = manager([target], clock: clock)
        for round in 0..<3 {
            transport.answer("# TYPE requests counter\nrequests_total \(600 * round)\n")
            await manager.scrapeAll()
            clock.advance(600.25)
        }
        #expect(
            await manager.exposition().contains(
                "vigil_anomaly_score{metric=\"requests_total\",instance=\"app:8080\",job=\"app\",detector=\"ensemble\"} 0.000000\n"
            )
        )
    }

    @Test func aFailedScrapeMarksTheTargetDownAndItsSeriesStale() async {
        let manager = manager([ScrapeTarget(url: "http://app:8080/metrics", job: "app")])
        transport.answer("temperature 20\n")
        await manager.scrapeAll()
        #expect(await manager.isReady)
        #expect(await manager.exposition().contains("metric=\"temperature\""))
        transport.fail(HTTPClientError(.connection, "connection refused"))
        await manager.scrapeAll()
        let health = await manager.health[0]
        #expect(health.health == "down")
        #expect(health.lastError == "connection refused")
        let exposition = await manager.exposition()
        #expect(!exposition.contains("metric=\"temperature\""))
        #expect(exposition.contains("metric=\"up\""))
    }

    /// A manager of one target, `app:8080` every 60 s, scraped once (`temperature 20`), then running,
    /// its loop's first scrape in flight with the answer queued after that first one. The loop's scrape
    /// is made due in a millisecond: just before its phase, since a clock set on it may round past it
    /// to the next interval.
    func runningInItsLoopsFirstScrape() async throws -> (ScrapeManager, ManualClock, Task<Void, Never>) {
        let app = ScrapeTarget(url: "http://app:8080/metrics", job: "app", interval: 60)
        let clock = ManualClock()
        let manager = manager([app], clock: clock)
        transport.answerFirst("temperature 20\n")
        await manager.scrapeAll()
        clock.advance(app.firstScrapeDelay(now: clock.now) - 0.001)
        let running = Task { await manager.run() }
        try await until { transport.requests.count == 2 }
        return (manager, clock, running)
    }

    /// A discovery update leaves the scrapes in flight alone (restarting every loop cut them off, and a
    /// scrape slower than the updates never finished) and starts a loop for a target it adds.
    @Test func aDiscoveryUpdateLeavesTheScrapesInFlightAndStartsTheNewTargets() async throws {
        let added = ScrapeTarget(url: "http://added:8080/metrics", job: "app", interval: 60)
        let gate = transport.answerWhenReleased("temperature 21\nhumidity 50\n")
        let (manager, clock, running) = try await runningInItsLoopsFirstScrape()
        // The added target's first scrape is due at once too.
        clock.advance(added.firstScrapeDelay(now: clock.now) - 0.001)
        transport.answer("queue 1\n")
        await manager.update(targets: [manager.targets[0], added])
        try await until { await manager.health.map(\.health) == ["up", "up"] }
        gate.release()
        try await until { await manager.health[0].samplesScraped == 2 }
        running.cancel()
        await running.value
        #expect(transport.requests.count == 3)
        #expect(await manager.health.map(\.health) == ["up", "up"])
    }

    /// A stop that cuts a scrape off records no failure: the target is not marked down, and its series
    /// are not marked stale.
    @Test func aScrapeCutOffByAStopIsNoFailure() async throws {
        transport.hangUntilCancelled()
        let (manager, _, running) = try await runningInItsLoopsFirstScrape()
        running.cancel()
        await running.value
        #expect(await manager.health.map(\.health) == ["up"])
        #expect(await manager.exposition().contains("metric=\"temperature\""))
    }

    /// `queue{zone=""}` and then `queue`: two series of the target, one store series (an empty label value
    /// is no label). The second scrape's sample keeps it live; the first spelling being gone does not mark
    /// it stale (it did: the marker came right after the fresh sample, and the series left the scores).
    @Test func aSeriesWhoseOtherSpellingIsGoneIsNotStale() async throws {
        let manager = manager([ScrapeTarget(url: "http://app:8080/metrics", job: "app")])
        transport.answer("queue{zone=\"\"} 1\n")
        await manager.scrapeAll()
        transport.answer("queue 2\n")
        await manager.scrapeAll()
        #expect(await manager.exposition().contains("metric=\"queue\""))
        transport.answer("other 1\n")
        await manager.scrapeAll()
        #expect(!(await manager.exposition().contains("metric=\"queue\"")))
    }

    /// A series twice in one scrape (the second time with its labels in another order): the first sample
    /// stands, as Prometheus keeps it, and the second is not scored.
    @Test func aSeriesTwiceInOneScrapeIsScoredOnce() async throws {
        let target = ScrapeTarget(url: "http://app:8080/metrics", job: "app")
        let once = manager([target])
        transport.answer("queue{a=\"1\",b=\"2\"} 1\n")
        await once.scrapeAll()
        let twice = manager([target])
        transport.answer("queue{a=\"1\",b=\"2\"} 1\nqueue{b=\"2\",a=\"1\"} 1000\n")
        await twice.scrapeAll()
        let learnt = try #require(await once.snapshot().series.first { $0.labels.contains("queue") }?.detector)
        let learntTwice = await twice.snapshot().series.first { $0.labels.contains("queue") }?.detector
        #expect(learntTwice == learnt)
    }

    /// Polls (at most ~10 s) until `condition` holds: the scrape loops run on their own tasks.
    func until(_ condition: () async -> Bool) async throws {
        for _ in 0..<2000 where !(await condition()) { try await Task.sleep(for: .milliseconds(5)) }
        #expect(await condition())
    }

    @Test func readinessWaitsForEveryTargetsFirstScrape() async {
        let manager = manager([ScrapeTarget(url: "http://a:1/metrics"), ScrapeTarget(url: "http://b:1/metrics")])
        #expect(await !manager.isReady)
        transport.answer("x 1\n")
        transport.answer("x 1\n")
        await manager.scrapeAll()
        #expect(await manager.isReady)
        #expect(await ScrapeManager(targets: [], transport: transport, store: SeriesStore()).isReady)
    }

    @Test func aTargetChurningOutNewSeriesStopsAtTheSeriesLimitAndIsCounted() async {
        // Every scrape exposes 50 series never seen before; the store may hold 100 (plus the target's
        // up and scrape_* series, always let in).
        let manager = ScrapeManager(
            targets: [ScrapeTarget(url: "http://churn:1/metrics")],
            transport: transport,
            store: SeriesStore(),
            seriesLimit: 100
        )
        for round in 0..<10 {
            transport.answer((0..<50).map { "churn{round=\"r\(round)\",n=\"\($0)\"} 1\n" }.joined())
            await manager.scrapeAll()
            #expect(await manager.seriesCount == min(3 + 50 * (round + 1), 100))
        }
        #expect(await manager.health.first?.health == "up")
        // The refused series left nothing behind: no label value of theirs was interned.
        #expect(await manager.withStore { $0.symbols.existing("r1") != nil && $0.symbols.existing("r5") == nil })
        // Series held before the limit was reached go on being scored.
        transport.answer((0..<50).map { "churn{round=\"r0\",n=\"\($0)\"} 2\n" }.joined())
        await manager.scrapeAll()
        #expect(await manager.seriesCount == 100)
        let descriptions = await storedSeries(manager)
        #expect(descriptions.contains("churn{instance=\"churn:1\", job=\"vigil\", n=\"7\", round=\"r0\"}"))
        #expect(!descriptions.contains { $0.contains("round=\"r9\"") })
    }

    /// A series the full store refused is still a sample relabelling kept: it counts towards the sample
    /// limit on every scrape, not only the one that first showed it (it counted as dropped by relabelling).
    @Test func aSeriesTheFullStoreRefusedCountsTowardsTheSampleLimit() async throws {
        let target = ScrapeTarget(
            url: "http://app:8080/metrics",
            metricRelabeling: [try RelabelRule(action: .drop, sourceLabels: ["__name__"], regex: "go_.*")],
            sampleLimit: 3
        )
        // Room for the target's up and scrape_* series and two more.
        let manager = ScrapeManager(targets: [target], transport: transport, store: SeriesStore(), seriesLimit: 5)
        for _ in 0..<2 {
            transport.answer("a 1\nb 1\nc 1\n")
            await manager.scrapeAll()
        }
        #expect(await manager.health[0].health == "up")
        #expect(await manager.seriesCount == 5)
        transport.answer("a 1\nb 1\nc 1\nd 1\n")
        await manager.scrapeAll()
        #expect(await manager.health[0].lastError == "sample limit exceeded")
    }

    /// An OpenMetrics body Prometheus scrapes is scraped, though the specification refuses it (a counter
    /// without `_total`, a trailing comma, an exemplar on a gauge); one Prometheus refuses is not.
    @Test func openMetricsIsScrapedAsPrometheusScrapesIt() async {
        let manager = manager([ScrapeTarget(url: "http://app:8080/metrics", job: "app")])
        let openMetrics = "application/openmetrics-text; version=1.0.0; charset=utf-8"
        transport.answer(
            "# TYPE jobs counter\njobs 3\n# TYPE queue gauge\nqueue{shard=\"a\",} 7 # {trace=\"t\"} 1\n# EOF\n",
            contentType: openMetrics
        )
        await manager.scrapeAll()
        #expect(await manager.health[0].health == "up")
        #expect(await manager.seriesDescriptions().contains("queue{instance=\"app:8080\", job=\"app\", shard=\"a\"}"))
        transport.answer("# TYPE queue gauge\nqueue 7\n", contentType: openMetrics)
        await manager.scrapeAll()
        #expect(await manager.health[0].lastError.contains("missing \"# EOF\""))
    }

    /// A family's samples written after another family's TYPE (Prometheus scrapes such a body) keep
    /// their own family's role: a counter is scored as its rate, not as a gauge that only grows.
    @Test func aCounterWrittenAfterAnotherFamilysTypeIsScoredAsARate() async {
        let manager = manager([ScrapeTarget(url: "http://app:8080/metrics", job: "app")])
        transport.answer(
            "# TYPE jobs counter\n# TYPE queue gauge\nqueue 7\njobs_total 3\n# EOF\n",
            contentType: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        )
        await manager.scrapeAll()
        let roles = await manager.roles()
        #expect(roles["jobs_total"] == .cumulative)
        #expect(roles["queue"] == .gauge)
    }

    @Test func aCheckpointLargerThanTheLimitIsRestoredUpToIt() async {
        let big = SeriesStore()
        for index in 0..<50 {
            _ = big.register(LabelSet([("__name__", "m\(index)")], symbols: big.symbols), role: .gauge)
        }
        let manager = ScrapeManager(targets: [], transport: transport, store: SeriesStore(), seriesLimit: 20)
        #expect(await manager.restore(big.snapshot()))
        #expect(await manager.seriesCount == 20)
    }

    @Test func nothingIsScrapedAndNothingIsReadyWhileStateIsRestored() async {
        let manager = ScrapeManager(
            targets: [ScrapeTarget(url: "http://a:1/metrics", interval: 1)],
            transport: transport,
            store: SeriesStore(),
            restoring: true
        )
        #expect(await !manager.isReady)
        let running = Task { await manager.run() }
        // The loops wait for the restore: no request goes out however long they are left.
        for _ in 0..<20 { await Task.yield() }
        #expect(transport.requests.isEmpty)
        #expect(await manager.isRestoring)
        running.cancel()
        await running.value
        #expect(transport.requests.isEmpty)
        await manager.finishRestoring()
        transport.answer("x 1\n")
        await manager.scrapeAll()
        #expect(await manager.isReady)
    }

    @Test func aPasswordInTheURLReachesNoLabelAndNoHealthReport() async {
        let manager = manager([ScrapeTarget(url: "http://user:s3cret@app:8080/metrics", job: "app")])
        transport.answer("x 1\n")
        await manager.scrapeAll()
        let series = await storedSeries(manager)
        #expect(series.contains("x{instance=\"app:8080\", job=\"app\"}"))
        #expect(!series.contains { $0.contains("s3cret") })
        #expect(await manager.health.first?.url == "http://user:<secret>@app:8080/metrics")
        // The scrape itself still carries the user info: libcurl sends it as basic authentication.
        #expect(transport.requests.first?.url == "http://user:s3cret@app:8080/metrics")
    }

    @Test func aLevelShiftBecomesAnAnomalyWithEvidenceAndEnds() async {
        let clock = ManualClock()
        let manager = manager([ScrapeTarget(url: "http://app:8080/metrics", job: "app")], clock: clock)
        // 6,400 quiet scrapes (between 97 and 103, over 26.7 hours: past the detector's warm-up, 300
        // five-minute samples of time), then 200 for a while, then back.
        var values = (0..<6400).map { 100 + Double($0 % 7) - 3 }
        values += Array(repeating: 200, count: 5)
        for value in values {
            transport.answer("queue_depth \(value)\n")
            await manager.scrapeAll()
            clock.advance(15)
        }
        let during = await manager.anomalyReports().filter { $0.labels["__name__"] == "queue_depth" }
        let report = try! #require(during.first)
        #expect(report.observed == 200)
        #expect(report.expected < 110)
        #expect(report.expectedHigh < 200)
        // A quiet day taught each hour's bin: the seasonal baseline is the yardstick now, and the
        // evidence says so in words, with the range and how many usual spreads out.
        #expect(report.detectors.contains("seasonal"))
        #expect(report.basis == "seasonal")
        #expect(report.expectedHigh == report.expected + 3 * report.spread)
        #expect(report.summary.hasPrefix("queue_depth 200 is "))
        #expect(report.summary.contains("the usual spread above the expected"))
        #expect(report.summary.contains("for this time of day (usual range "))
        #expect(report.summary.contains(": seasonal deviation since 2023-11-16T00:53:20Z, "))
        #expect(report.labels["job"] == "app")
        #expect(report.startedAt == 1_700_000_000 + 6400 * 15)
        #expect(!report.scoredRate)
        for value in (0..<20).map({ 100 + Double($0 % 7) - 3 }) {
            transport.answer("queue_depth \(value)\n")
            await manager.scrapeAll()
            clock.advance(15)
        }
        let after = await manager.anomalyReports().filter { $0.labels["__name__"] == "queue_depth" }
        #expect(after.allSatisfy { !$0.ongoing })
        #expect(after.first?.startedAt == report.startedAt)
    }

    @Test func aReloadKeepsUnchangedTargetsAndStalesRemovedOnes() async {
        let a = ScrapeTarget(url: "http://a:1/metrics", job: "a")
        let b = ScrapeTarget(url: "http://b:1/metrics", job: "b")
        let manager = manager([a, b])
        transport.answer("x 1\n")
        transport.answer("y 1\n")
        await manager.scrapeAll()
        await manager.update(targets: [a])
        #expect(await manager.targets == [a])
        #expect(await manager.health.map(\.health) == ["up"])
        let exposition = await manager.exposition()
        #expect(exposition.contains("metric=\"x\""))
        #expect(!exposition.contains("metric=\"y\""))
    }

    /// A reload that changes only how a target is scraped (interval, timeout, sample and body limits, TLS,
    /// credentials) keeps its series unbroken, as Prometheus keeps a reusable scrape cache: marking them
    /// stale at once ended every open anomaly of the job and cost each counter a rate. Its next scrape
    /// judges what is gone, as any scrape does; a change to what the series are is a new target.
    @Test func aReloadThatChangesOnlyHowATargetIsScrapedKeepsItsSeries() async {
        let a = ScrapeTarget(url: "http://a:1/metrics", job: "a")
        let manager = manager([a])
        transport.answer("x 1\ny 1\n")
        await manager.scrapeAll()
        var slower = a
        (slower.interval, slower.timeout, slower.sampleLimit) = (30, 20, 1_000)
        await manager.update(targets: [slower])
        #expect(await manager.targets == [slower])
        #expect(await manager.health.map(\.health) == ["up"], "its health until the next scrape")
        let kept = await manager.exposition()
        #expect(kept.contains("metric=\"x\"") && kept.contains("metric=\"y\"") && kept.contains("metric=\"up\""))
        transport.answer("x 2\n")
        await manager.scrapeAll()
        let next = await manager.exposition()
        #expect(next.contains("metric=\"x\"") && !next.contains("metric=\"y\""), "y, gone from this scrape, is stale")

        var relabelled = slower
        relabelled.labels = ["team": "checkout"]
        #expect(!relabelled.scrapesTheSameSeries(as: slower))
        await manager.update(targets: [relabelled])
        #expect(!(await manager.exposition()).contains("metric=\"x\""), "other labels, other series: x is stale")
    }

    /// A reloaded target's series age at its new interval: garbage collection counts in scrapes, and the
    /// ages carried over were counted at the old one.
    @Test func aReloadedTargetsSeriesAgeAtItsNewInterval() async {
        let a = ScrapeTarget(url: "http://a:1/metrics", job: "a")
        let manager = manager([a])
        transport.answer("x 1\ny 1\n")
        await manager.scrapeAll()
        for _ in 0..<3 {
            transport.answer("y 1\n")
            await manager.scrapeAll()
        }
        // x is gone for three 15-s scrapes, 45 s: within a 120-s retention (two 60-s scrapes), it stays.
        // Counted as three scrapes of 60 s, 180 s, it was removed.
        var minutely = a
        minutely.interval = 60
        await manager.update(targets: [minutely])
        await manager.collectGarbage(retention: 120)
        #expect(await manager.seriesDescriptions().contains { $0.hasPrefix("x{") })
        // Two 60-s scrapes later, 165 s gone, it goes.
        for _ in 0..<2 {
            transport.answer("y 1\n")
            await manager.scrapeAll()
        }
        await manager.collectGarbage(retention: 120)
        #expect(!(await manager.seriesDescriptions().contains { $0.hasPrefix("x{") }))
    }

    @Test func relabelRegexesMatchCodePointsAsPrometheusDoes() throws {
        // Go's RE2 reads runes: "." is one code point, so "caf." does not cover "e" + a combining acute,
        // which Swift's default (grapheme) semantics would read as one character.
        let fourCodePoints = try RelabelRule(action: .keep, sourceLabels: ["page"], regex: "caf.")
        #expect(fourCodePoints.keeps([("page", "caf\u{E9}")]))
        #expect(!fourCodePoints.keeps([("page", "cafe\u{301}")]))
        let fiveCodePoints = try RelabelRule(action: .keep, sourceLabels: ["page"], regex: "cafe.")
        #expect(fiveCodePoints.keeps([("page", "cafe\u{301}")]))
    }

    @Test func labelValuesAreTheirBytesNotTheirUnicodeEquivalents() async {
        // "é" precomposed (C3 A9) and "e" + a combining acute (65 CC 81): one character to Swift's
        // String ==, two label values to Prometheus, which compares bytes — so two series, two detectors.
        let manager = manager([ScrapeTarget(url: "http://app:8080/metrics", job: "app")])
        transport.answer("visits{page=\"caf\u{E9}\"} 1\nvisits{page=\"cafe\u{301}\"} 2\n")
        await manager.scrapeAll()
        let series = await manager.seriesBytes().filter { $0.starts(with: Array("visits".utf8)) }
        #expect(
            series == [
                Array("visits{instance=\"app:8080\", job=\"app\", page=\"caf\u{E9}\"}".utf8),
                Array("visits{instance=\"app:8080\", job=\"app\", page=\"cafe\u{301}\"}".utf8),
            ]
        )
    }
}

extension ScrapeManager {
    func seriesDescriptions() -> Set<String> {
        Set((0..<store.count).map { store.labels(of: StoreRef(index: UInt32($0))).description(in: store.symbols) })
    }

    /// The stored series as bytes: a `Set<String>` would merge Unicode-equivalent spellings.
    func seriesBytes() -> Set<[UInt8]> {
        Set(
            (0..<store.count).map {
                Array(store.labels(of: StoreRef(index: UInt32($0))).description(in: store.symbols).utf8)
            }
        )
    }

    func roles() -> [String: SampleRole] {
        var roles: [String: SampleRole] = [:]
        for index in 0..<store.count {
            let ref = StoreRef(index: UInt32(index))
            let name = store.labels(of: ref).pairs(in: store.symbols).first { $0.name == "__name__" }!.value
            roles[name] = store.role(of: ref)
        }
        return roles
    }

    /// What `GET /api/v1/anomalies` answers.
    func anomalyReports() -> [AnomalyReport] { AnomalyReport.reports(in: store) }

    /// The whole score exposition, read in small chunks as the server streams it.
    func exposition() -> String {
        var bytes: [UInt8] = []
        var cursor: Int? = 0
        while let from = cursor {
            if from == 0 { bytes += ScoreExposition.header }
            cursor = ScoreExposition().write(store, from: from, into: &bytes, chunkBytes: 64)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Churn: series that are gone for good are removed, everything else keeps what it learnt.
struct ScrapeGarbageTests {
    let transport = FakeTransport()

    /// A manager of one target, `app:8080` of job `app`, scraped every 15 s.
    func manager(
        _ target: ScrapeTarget = ScrapeTarget(url: "http://app:8080/metrics", job: "app", interval: 15)
    )
        -> ScrapeManager
    {
        ScrapeManager(targets: [target], transport: transport, store: SeriesStore())
    }

    /// Scrapes `body` `times` times; nil: a refused connection.
    func scrape(_ manager: ScrapeManager, _ body: String?, times: Int = 1) async {
        for _ in 0..<times {
            if let body {
                transport.answer(body)
            } else {
                transport.fail(HTTPClientError(.connection, "connection refused"))
            }
            await manager.scrapeAll()
        }
    }

    /// A series refused while the store was full gets in once garbage collection makes room, though its
    /// own target lost no series (a target that did gets a fresh cache anyway): here the room is a
    /// removed target's.
    @Test func aSeriesTheFullStoreRefusedGetsInOnceThereIsRoom() async throws {
        let gone = ScrapeTarget(url: "http://gone:1/metrics", job: "gone")
        let late = ScrapeTarget(url: "http://late:1/metrics", job: "late")
        // Each target's up and scrape_* series, and one more.
        let manager = ScrapeManager(targets: [gone], transport: transport, store: SeriesStore(), seriesLimit: 7)
        await scrape(manager, "gone 1\n")
        await manager.update(targets: [gone, late])
        transport.answer("gone 1\n")
        transport.answer("late 1\n")
        await manager.scrapeAll()
        #expect(await manager.seriesCount == 7)
        #expect(!(await manager.seriesDescriptions().contains { $0.hasPrefix("late") }))
        await manager.update(targets: [late])
        await scrape(manager, "late 1\n")
        #expect(!(await manager.seriesDescriptions().contains { $0.hasPrefix("late") }))

        #expect(await manager.collectGarbage(retention: 30) == 4)
        await scrape(manager, "late 1\n")
        #expect(await manager.seriesDescriptions().contains("late{instance=\"late:1\", job=\"late\"}"))
        #expect(await manager.health.map(\.health) == ["up"])
    }

    /// Garbage collection that leaves the store at its limit (each target's up and scrape_* series are let
    /// in beyond it) leaves the refused series alone: renewing their targets' caches would only relabel
    /// every series to refuse them again, counted again.
    @Test func aCollectionThatLeavesNoRoomRetriesNothing() async throws {
        let targets = ["gone", "a", "b", "c"].map { ScrapeTarget(url: "http://\($0):1/metrics", job: $0) }
        // The first target's up and scrape_* series, and one more.
        let manager = ScrapeManager(
            targets: [targets[0]],
            transport: transport,
            store: SeriesStore(),
            seriesLimit: 4
        )
        await scrape(manager, "gone 1\n")
        await manager.update(targets: targets)
        for _ in targets { transport.answer("late 1\n") }
        await manager.scrapeAll()
        #expect(await manager.seriesCount == 13)
        #expect(await manager.cachedSeriesCounts == [2, 1, 1, 1])

        // The gone target's four series go; nine are left, over the limit.
        await manager.update(targets: Array(targets.dropFirst()))
        #expect(await manager.collectGarbage(retention: 30) == 4)
        #expect(await manager.cachedSeriesCounts == [1, 1, 1])
        // Two targets fewer: three series, room for one more.
        await manager.update(targets: [targets[1]])
        #expect(await manager.collectGarbage(retention: 30) == 6)
        #expect(await manager.cachedSeriesCounts == [0])
        await scrape(manager, "late 1\n")
        #expect(await manager.seriesDescriptions().contains("late{instance=\"a:1\", job=\"a\"}"))
    }

    @Test func seriesGoneLongerThanTheRetentionAreRemovedAndTheRestKeepTheirState() async throws {
        let manager = self.manager()
        // Ten pods come and go, one stays.
        for pod in 0..<10 {
            transport.answer("ready{pod=\"stays\"} 1\nready{pod=\"p\(pod)\"} 1\n")
            await manager.scrapeAll()
        }
        #expect(await manager.seriesDescriptions().filter { $0.hasPrefix("ready") }.count == 11)
        let before = await manager.snapshot().series.first { $0.labels.contains("stays") }
        // Retention of two scrapes: p0…p7 have not been seen for longer.
        let removed = await manager.collectGarbage(retention: 30)
        #expect(removed == 8)
        let ready = await manager.seriesDescriptions().filter { $0.hasPrefix("ready") }.sorted()
        #expect(ready.map { $0.contains("p8") || $0.contains("p9") || $0.contains("stays") } == [true, true, true])
        // The survivor's learnt state is untouched, and scraping goes on under the new numbering.
        let after = await manager.snapshot().series.first { $0.labels.contains("stays") }
        #expect(after?.detector == before?.detector)
        await scrape(manager, "ready{pod=\"stays\"} 1\nready{pod=\"p0\"} 1\n")
        #expect(await manager.health[0].health == "up")
        #expect(await manager.exposition().contains("pod=\"p0\""))
        #expect(await manager.exposition().contains("pod=\"stays\""))
    }

    /// A checkpoint's series live for the retention after the restore, mapped by a scrape or not: a
    /// target down at the restart keeps what was learnt of it (the first collection dropped it, and the
    /// next checkpoint made the loss for good); past the retention, unseen, they go as any series does.
    @Test func aCheckpointsSeriesOutliveACollectionWhileTheirTargetIsDown() async throws {
        let learnt = self.manager()
        await scrape(learnt, "queue 7\n", times: 3)
        let checkpoint = await learnt.snapshot()
        let clock = ScrapeManagerTests.ManualClock()
        let manager = ScrapeManager(
            targets: [ScrapeTarget(url: "http://app:8080/metrics", job: "app", interval: 15)],
            transport: transport,
            store: SeriesStore(),
            wallClock: { clock.now }
        )
        #expect(await manager.restore(checkpoint))
        await scrape(manager, nil)
        clock.advance(300)
        #expect(await manager.collectGarbage(retention: 3600) == 0)
        let queue = "queue{instance=\"app:8080\", job=\"app\"}"
        #expect(await manager.seriesDescriptions().contains(queue))
        clock.advance(3300)
        #expect(await manager.collectGarbage(retention: 3600) >= 1)
        #expect(await !manager.seriesDescriptions().contains(queue))
    }

    @Test func removedSeriesTakeTheirLabelValuesWithThem() async {
        // A pod replaced at every scrape for 50 rounds, garbage collected each time: the symbol table holds
        // the live pods' names, not every name ever seen.
        let manager = self.manager()
        var counts: [Int] = []
        for round in 0..<50 {
            transport.answer("ready{pod=\"stays\"} 1\nready{pod=\"p\(round)\"} 1\n")
            await manager.scrapeAll()
            await manager.collectGarbage(retention: 15)
            counts.append(await manager.withStore { $0.symbols.count })
        }
        #expect(Set(counts.dropFirst(2)).count == 1)
        #expect(await manager.withStore { $0.symbols.existing("p10") == nil && $0.symbols.existing("p49") != nil })
        #expect(await manager.exposition().contains("pod=\"stays\""))
    }

    @Test func aFewRemovedSeriesThatComeBackAreLabelledAgain() async throws {
        // The cache forgets labels once the store has them: a removed series that returns must still get
        // its own labels (not none, not another's), however few of the target's series were removed.
        let manager = self.manager()
        let steady = (0..<10).map { "ready{pod=\"s\($0)\"} 1\n" }.joined()
        transport.answer(steady + "ready{pod=\"gone\"} 1\n")
        await manager.scrapeAll()
        for _ in 0..<3 {
            transport.answer(steady)
            await manager.scrapeAll()
        }
        #expect(await manager.collectGarbage(retention: 30) == 1)
        #expect(await !manager.exposition().contains("pod=\"gone\""))
        transport.answer(steady + "ready{pod=\"gone\"} 1\n")
        await manager.scrapeAll()
        let ready = await manager.seriesDescriptions().filter { $0.hasPrefix("ready") }
        #expect(ready.count == 11)
        #expect(ready.contains("ready{instance=\"app:8080\", job=\"app\", pod=\"gone\"}"))
    }

    /// A target with a dead series gets a fresh cache from garbage collection; its other series keep their
    /// history: a failed scrape after the renewal marks them stale, and while the target is down they are
    /// not aged (the fresh cache knew none of them).
    @Test func aRenewedCacheStillMarksStaleAndKeepsADownTargetsSeries() async {
        let manager = self.manager()
        await scrape(manager, "queue 1\ngone 1\n")
        await scrape(manager, "queue 1\n", times: 3)
        #expect(await manager.collectGarbage(retention: 30) == 1)
        await scrape(manager, nil)
        #expect(await !manager.exposition().contains("metric=\"queue\""))
        await scrape(manager, nil, times: 4)
        #expect(await manager.collectGarbage(retention: 30) == 0)
        #expect(await manager.seriesDescriptions().contains("queue{instance=\"app:8080\", job=\"app\"}"))
    }

    /// After a renewal, a scrape that lacks a series the scrape before it had marks it stale, and the
    /// series is removed when the retention since it was last seen has passed, not at the next collection.
    @Test func aRenewedCacheAgesASeriesFromWhenItWasLastSeen() async {
        let manager = self.manager()
        await scrape(manager, "queue 1\nkept 1\ngone 1\n")
        await scrape(manager, "queue 1\nkept 1\n", times: 3)
        #expect(await manager.collectGarbage(retention: 30) == 1)
        await scrape(manager, "kept 1\n")
        let exposition = await manager.exposition()
        #expect(!exposition.contains("metric=\"queue\""))
        #expect(exposition.contains("metric=\"kept\""))
        // Seen one scrape ago, within the retention of two.
        #expect(await manager.collectGarbage(retention: 30) == 0)
        await scrape(manager, "kept 1\n")
        #expect(await manager.collectGarbage(retention: 30) == 1)
        #expect(await !manager.seriesDescriptions().contains("queue{instance=\"app:8080\", job=\"app\"}"))
    }

    /// A target that fails every scrape with new series before the failing line (a broken exporter): the
    /// cache does not keep what each failed parse added, and the series known before keep their state.
    @Test func aParseThatFailsEveryScrapeWithNewSeriesDoesNotGrowTheCache() async {
        let manager = self.manager()
        await scrape(manager, "queue 1\n")
        for round in 0..<50 {
            transport.answer("queue 1\nrequest{id=\"\(round)\"} 1\nbroken{{{ 1\n")
            await manager.scrapeAll()
        }
        #expect(await manager.health[0].health == "down")
        #expect(await manager.cachedSeriesCounts[0] <= 2)
        #expect(await manager.collectGarbage(retention: 30) == 0)
        #expect(await manager.seriesDescriptions().contains("queue{instance=\"app:8080\", job=\"app\"}"))
    }

    /// A target that spells its 200 series differently every scrape (another run of blanks between their
    /// labels): the cache's spellings stay bounded, and every series keeps its one store series and its
    /// state. (Each spelling was kept for ever: 10,000 after these 50 scrapes.)
    @Test func aTargetThatReSpellsItsSeriesEveryScrapeDoesNotGrowTheCache() async {
        let manager = self.manager()
        for round in 0..<50 {
            let blanks = String(repeating: " ", count: round)
            await scrape(manager, (0..<200).map { "queue{id=\"\($0)\",\(blanks)zone=\"a\"} 1\n" }.joined())
        }
        #expect(await manager.health[0].health == "up")
        #expect(await manager.cachedSpellingCounts[0] <= 2 * 200 + ScrapeManager.spareSpellings + 200)
        #expect(await manager.cachedSeriesCounts[0] == 200)
        #expect(await manager.seriesCount == 203)  // with up, scrape_duration_seconds, scrape_samples_scraped
        #expect(await manager.collectGarbage(retention: 30) == 0)
    }

    /// A manager of one target with `sample_limit` counted after relabelling (a rule that keeps all).
    func limitedManager(sampleLimit: Int) throws -> ScrapeManager {
        manager(
            ScrapeTarget(
                url: "http://app:8080/metrics",
                job: "app",
                metricRelabeling: [try RelabelRule(action: .keep, sourceLabels: ["__name__"], regex: ".*")],
                interval: 15,
                sampleLimit: sampleLimit
            )
        )
    }

    /// Scrapes over the sample limit (counted after relabelling), each with new series: the store series
    /// relabelling registered for them are removed, not kept as a down target's.
    @Test func scrapesOverTheSampleLimitWithNewSeriesDoNotGrowTheStore() async throws {
        let manager = try limitedManager(sampleLimit: 1)
        for round in 0..<50 {
            await scrape(manager, "request{id=\"a\(round)\"} 1\nrequest{id=\"b\(round)\"} 1\n")
        }
        await manager.collectGarbage(retention: 30)
        #expect(await manager.seriesCount == 3)  // up, scrape_duration_seconds, scrape_samples_scraped
        #expect(await manager.cachedSeriesCounts[0] <= 2)
    }

    /// Scrapes over the sample limit after the cache was renewed keep what the store already held: only
    /// the series a failed scrape registered go, not those it mapped again.
    @Test func scrapesOverTheSampleLimitKeepTheSeriesStoredBefore() async throws {
        let manager = try limitedManager(sampleLimit: 2)
        await scrape(manager, "queue 1\n")
        for round in 0..<3 {
            await scrape(manager, "queue 1\nrequest{id=\"a\(round)\"} 1\nrequest{id=\"b\(round)\"} 1\n")
        }
        #expect(await manager.health[0].health == "down")
        await manager.collectGarbage(retention: 30)
        #expect(await manager.seriesDescriptions().contains("queue{instance=\"app:8080\", job=\"app\"}"))
        #expect(await manager.seriesCount == 4)
    }

    @Test func aTargetThatIsDownDoesNotAgeItsSeries() async {
        let manager = self.manager()
        await scrape(manager, "queue 1\n")
        await scrape(manager, nil, times: 5)
        #expect(await manager.collectGarbage(retention: 15) == 0)
        #expect(await manager.seriesDescriptions().contains("queue{instance=\"app:8080\", job=\"app\"}"))
    }
}
