import Testing
import VigilCore
import VigilHTTP
import VigilTestKit

@testable import VigilScrape

/// The seam to the diagnosis recorder: each series asked about once, wanted samples handed on per
/// scrape, handles released when their series leave the store.
struct SampleSinkTests {
    let transport = FakeTransport()

    /// Wants every series named `ready` (and `up`); remembers what it was asked and given.
    final class RecordingSink: SampleSink {
        struct Log {
            var asked: [String] = []
            var recorded: [SampleSinkSample] = []
            var released: [SampleSinkHandle] = []
            var handles: [String: SampleSinkHandle] = [:]
        }
        let log = Locked(Log())

        func admit(labels: [String: String], role: SampleRole) -> SampleSinkHandle? {
            let key = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            return log.withLock { log in
                log.asked.append(key)
                guard ["ready", "up"].contains(labels["__name__"]) else { return nil }
                let handle = log.handles[key] ?? SampleSinkHandle(UInt32(log.handles.count))
                log.handles[key] = handle
                return handle
            }
        }

        func record(_ samples: [SampleSinkSample]) { log.withLock { $0.recorded += samples } }
        func release(_ handles: [SampleSinkHandle]) { log.withLock { $0.released += handles } }
    }

    @Test func eachSeriesIsAskedOnceAndWantedSamplesArriveEveryScrape() async {
        let manager = ScrapeManager(
            targets: [ScrapeTarget(url: "http://app:8080/metrics", job: "app", interval: 15)],
            transport: transport,
            store: SeriesStore(),
            wallClock: { 1000 }
        )
        let sink = RecordingSink()
        await manager.attach(sink)
        for value in 1...3 {
            transport.answer("ready{pod=\"a\"} \(value)\nqueue 7\n")
            await manager.scrapeAll()
        }
        let log = sink.log.withLock { $0 }
        // ready, queue, and the synthetic up, scrape_duration_seconds, scrape_samples_scraped: once each.
        #expect(log.asked.count == 5, "\(log.asked)")
        #expect(Set(log.asked).count == 5)
        let ready = log.handles.first { $0.key.contains("pod=a") }!.value
        #expect(log.recorded.filter { $0.series == ready }.map(\.value) == [1, 2, 3])
        // `up` too: it is a series of the store like any other.
        #expect(log.recorded.count == 6)

        // Asked again after a reselection (the sink answers the same handle for the same labels).
        await manager.reselectSamples()
        transport.answer("ready{pod=\"a\"} 4\nqueue 7\n")
        await manager.scrapeAll()
        #expect(sink.log.withLock { $0.asked.count } == 10)
        #expect(sink.log.withLock { $0.recorded.last { $0.series == ready }?.value } == 4)
    }

    @Test func garbageCollectedSeriesAreReleasedAndTheRestKeepTheirHandles() async {
        let manager = ScrapeManager(
            targets: [ScrapeTarget(url: "http://app:8080/metrics", job: "app", interval: 15)],
            transport: transport,
            store: SeriesStore()
        )
        let sink = RecordingSink()
        await manager.attach(sink)
        transport.answer("ready{pod=\"gone\"} 1\nready{pod=\"stays\"} 1\n")
        await manager.scrapeAll()
        for _ in 0..<3 {
            transport.answer("ready{pod=\"stays\"} 1\n")
            await manager.scrapeAll()
        }
        await manager.collectGarbage(retention: 30)
        let log = sink.log.withLock { $0 }
        let gone = log.handles.first { $0.key.contains("pod=gone") }!.value
        let stays = log.handles.first { $0.key.contains("pod=stays") }!.value
        #expect(log.released == [gone])
        transport.answer("ready{pod=\"stays\"} 2\n")
        await manager.scrapeAll()
        #expect(sink.log.withLock { $0.recorded.last { $0.series == stays }?.value } == 2)
        // The survivor was not asked again: its answer moved with its new store reference.
        #expect(sink.log.withLock { $0.asked.filter { $0.contains("pod=stays") }.count } == 1)
    }
}
