import Testing

@testable import VigilCore
@testable import VigilHistory

/// A remote-read answer is held to what the query can use: hostile density costs time, not memory.
struct RemoteReadRetentionTests {
    private let grid = LookbackSampler(start: 600_000, end: 1_200_000, step: 60_000, lookback: 300_000)

    /// Thinning is exact: over random samples — out of order, repeated timestamps, staleness markers,
    /// some before the window and after it — the grid's points are the same with and without it.
    @Test func thinningKeepsEveryPointTheGridPicks() {
        var generator = SplitMix(state: 0x5eed)
        let stale = Double(bitPattern: LookbackSampler.staleNaN)
        for _ in 0..<200 {
            var times: [Int64] = []
            var values: [Double] = []
            for _ in 0..<Int(generator.next() % 400) {
                times.append(Int64(generator.next() % 1_500_000))
                values.append(generator.next() % 17 == 0 ? stale : Double(generator.next() % 1000))
            }
            var thinnedTimes = times
            var thinnedValues = values
            grid.thin(&thinnedTimes, &thinnedValues)
            let (orderedTimes, orderedValues) = LookbackSampler.ordered(times, values)
            let expected = grid.points(times: orderedTimes, values: orderedValues)
            let thinned = grid.points(times: thinnedTimes, values: thinnedValues)
            #expect(thinned.times == expected.times)
            #expect(thinned.values.map(\.bitPattern) == expected.values.map(\.bitPattern))
            #expect(thinnedTimes.count <= grid.bucketCount)
        }
    }

    /// 2.6 million samples in 660 kB (2 bits each, 1 ms apart) would take 42 MB decoded whole; read onto
    /// an 11-step grid the series holds a few dozen, and its points are the ones the raw samples give.
    @Test func aDenseAnswerIsHeldToTheGrid() throws {
        let chunks = (0..<40).map { index in
            StreamedAnswer.constantChunk(count: 65_535, start: Int64(index) * 65_535, interval: 1, value: 42)
        }
        let body = StreamedAnswer.frame(labels: [("__name__", "up")], chunks: chunks)
        #expect(body.count < 700_000)
        let series = try ChunkedReadResponse.decode(body, onto: grid)
        #expect(series.count == 1)
        #expect(series[0].times.count <= 2 * grid.bucketCount)
        let points = grid.points(times: series[0].times, values: series[0].values)
        // The last sample is at 2,621,399 ms: every step from 600 s to 1,200 s sees 42.
        #expect(points.times == stride(from: 600.0, through: 1200, by: 60).map { $0 })
        #expect(points.values.allSatisfy { $0 == 42 })
    }

    /// Past the sample limit (Prometheus's own `--query.max-samples` by default) the answer is refused,
    /// naming where it was.
    @Test func anAnswerPastTheSampleLimitIsRefused() {
        let chunk = StreamedAnswer.constantChunk(count: 60_000, start: 0, interval: 15_000, value: 1)
        let body = StreamedAnswer.frame(labels: [("__name__", "up")], chunks: [chunk, chunk])
        #expect {
            try ChunkedReadResponse.decode(body, maximumSamples: 100_000)
        } throws: { error in
            "\(error)"
                == "frame 0 (byte 0): chunked_series[0].chunks[1]: more than 100000 samples held: narrow the query"
        }
    }
}
