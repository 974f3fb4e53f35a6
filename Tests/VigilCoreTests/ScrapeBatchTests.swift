import Testing

@testable import VigilCore

/// A scrape's samples read in place as observations of store series.
struct ScrapeBatchTests {
    @Test func itYieldsTheStoredSeriesSamplesInOrderAndSkipsTheRest() {
        let samples = [
            ExpositionStream.Sample(series: SeriesRef(index: 0), value: 1, timestamp: nil),
            ExpositionStream.Sample(series: SeriesRef(index: 1), value: 2, timestamp: 1_700_000_123_456),
            ExpositionStream.Sample(series: SeriesRef(index: 2), value: 3, timestamp: nil),
            ExpositionStream.Sample(series: SeriesRef(index: 3), value: 4, timestamp: nil),
        ]
        // Cache series 0 → store 7, 1 → store 0, 2 dropped by relabelling, 3 not mapped.
        let batch = ScrapeBatch(samples: samples, storeRefs: [8, 1, .max, 0], time: 1_700_000_200, interval: 15)
        let observed = batch.map { ($0.series.index, $0.value, $0.timestamp) }
        #expect(observed.count == 2)
        #expect(observed.first! == (7, 1, 1_700_000_200))
        #expect(observed.last! == (0, 2, 1_700_000_123.456))
    }

    @Test func aParsedSampleIsTwentyFourBytes() {
        // The scrape holds one per sample until it is ingested: 100,000 series, 2.4 MB.
        #expect(MemoryLayout<ExpositionStream.Sample>.stride == 24)
    }

    @Test func aStoreScoresTheBatchAsItWouldEachSample() {
        let store = SeriesStore()
        let single = SeriesStore()
        let refs = (0..<3).map { index in
            (
                store.register(LabelSet([("__name__", "g\(index)")], symbols: store.symbols), role: .gauge),
                single.register(LabelSet([("__name__", "g\(index)")], symbols: single.symbols), role: .gauge)
            )
        }
        for step in 0..<400 {
            let time = 1_700_000_000 + Double(step) * 300
            let values = (0..<3).map { Double($0 * 10) + (step == 390 ? 500 : Double(step % 7)) }
            let samples = values.enumerated().map {
                ExpositionStream.Sample(series: SeriesRef(index: UInt32($0.offset)), value: $0.element, timestamp: nil)
            }
            store.observe(
                ScrapeBatch(samples: samples, storeRefs: refs.map { $0.0.index + 1 }, time: time, interval: 15)
            )
            for (index, value) in values.enumerated() { single.observe(refs[index].1, value: value, at: time) }
        }
        for (batched, alone) in refs {
            #expect(store.score(of: batched) == single.score(of: alone))
            #expect(store.detector(of: batched) == single.detector(of: alone))
        }
        // The spike at step 390 alarmed on every series, and ended.
        #expect(store.endedAnomalies.map(\.series) == single.endedAnomalies.map(\.series))
        #expect(store.endedAnomalies.map(\.peakScore) == single.endedAnomalies.map(\.peakScore))
        #expect(store.endedAnomalies.count == 3)
    }
}
