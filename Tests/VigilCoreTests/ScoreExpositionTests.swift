import Testing

@testable import VigilCore

/// `vigil_anomaly_score` as written to /metrics, straight from the store.
struct ScoreExpositionTests {
    func exposition(_ store: SeriesStore, chunkBytes: Int = 1 << 20) -> String {
        var bytes: [UInt8] = []
        var cursor: Int? = 0
        while let from = cursor {
            cursor = ScoreExposition().write(store, from: from, into: &bytes, chunkBytes: chunkBytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func scored(_ store: SeriesStore, _ pairs: [(String, String)], value: Double = 1) {
        let ref = store.register(
            LabelSet(pairs.map { (name: $0.0, value: $0.1) }, symbols: store.symbols),
            role: .gauge
        )
        store.observe(ref, value: value, at: 1_700_000_000)
    }

    @Test func aCompactionBetweenChunksNeitherSkipsNorRepeatsASeries() {
        // /metrics streams in chunks, with the pipeline running in between: garbage collection may
        // compact the store and renumber every series after the removed ones. With an index cursor the
        // series that moved down past the cursor were skipped (and with inserts, repeated).
        let store = SeriesStore()
        for name in ["a", "b", "c", "d", "e"] { scored(store, [("__name__", name)]) }
        var bytes: [UInt8] = []
        let next = ScoreExposition().write(store, from: 0, into: &bytes, chunkBytes: 1)  // one series
        _ = store.compact { $0.index != 0 && $0.index != 2 }  // a (written) and c go
        scored(store, [("__name__", "f")])  // a newcomer lands at the end
        var cursor = next
        while let from = cursor {
            cursor = ScoreExposition().write(store, from: from, into: &bytes, chunkBytes: 1)
        }
        let names = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map {
            $0.split(separator: "\"")[1]
        }
        #expect(names == ["a", "b", "d", "e", "f"])
    }

    @Test func clashingLabelsAreRenamedUntilEveryNameIsUnique() throws {
        let store = SeriesStore()
        // What Vigil stores when it scrapes its own /metrics twice over.
        scored(
            store,
            [
                ("__name__", "vigil_anomaly_score"), ("metric", "up"), ("detector", "ensemble"),
                ("exported_detector", "ensemble"),
            ]
        )
        let line = exposition(store)
        #expect(
            line == "vigil_anomaly_score{metric=\"vigil_anomaly_score\",exported_exported_detector=\"ensemble\","
                + "exported_detector=\"ensemble\",exported_metric=\"up\",detector=\"ensemble\"} 0.000000\n"
        )
        // It parses, with no duplicate label, as the scraper will read it back.
        var parser = ExpositionParser(bytes: Array(line.utf8), format: .prometheusText)
        #expect(try parser.next() == .sample)
    }

    @Test func valuesAreEscapedAndScoresWrittenWithSixDecimals() {
        let store = SeriesStore()
        scored(store, [("__name__", "a"), ("path", "C:\\dir \"x\"\nnext")])
        #expect(
            exposition(store)
                == "vigil_anomaly_score{metric=\"a\",path=\"C:\\\\dir \\\"x\\\"\\nnext\",detector=\"ensemble\"} 0.000000\n"
        )
        var bytes: [UInt8] = []
        for value in [0.0, 0.3, 1.0, 0.1234565, 2.0, -1.0] {
            ScoreExposition.appendFixed(value, to: &bytes)
            bytes.append(32)
        }
        #expect(String(decoding: bytes, as: UTF8.self) == "0.000000 0.300000 1.000000 0.123457 1.000000 0.000000 ")
    }

    @Test func chunksTogetherAreTheWholeExpositionAndSkipUnscoredSeries() {
        let store = SeriesStore()
        for index in 0..<50 { scored(store, [("__name__", "s\(index)")]) }
        _ = store.register(LabelSet([(name: "__name__", value: "never_scored")], symbols: store.symbols), role: .gauge)
        let whole = exposition(store)
        #expect(exposition(store, chunkBytes: 100) == whole)
        #expect(whole.split(separator: "\n").count == 50)
        #expect(!whole.contains("never_scored"))
    }
}
