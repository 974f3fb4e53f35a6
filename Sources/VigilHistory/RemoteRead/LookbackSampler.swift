/// Turns raw samples into the points `query_range` would answer for a plain selector: at each step
/// `start + k × step` the latest sample at or before it, if it is no older than the lookback delta
/// (5 minutes by default, Prometheus's `--query.lookback-delta`) and not a staleness marker. Prometheus
/// 2.x counts a sample exactly one lookback old as current, as here; 3.x does not (a boundary the 15 s
/// and 30 s steps of scrapes never meet).
struct LookbackSampler {
    /// The bit pattern Prometheus writes when a series goes stale (`value.StaleNaN`).
    static let staleNaN: UInt64 = 0x7ff0_0000_0000_0002

    var start: Int64
    var end: Int64
    var step: Int64
    var lookback: Int64

    /// The points of one series; `times` must be in increasing order (``ordered(_:_:)`` makes it so).
    func points(times: [Int64], values: [Double]) -> (times: [Double], values: [Double]) {
        var outTimes: [Double] = []
        var outValues: [Double] = []
        guard step > 0, start <= end else { return (outTimes, outValues) }
        let count = Int((end - start) / step) + 1
        outTimes.reserveCapacity(min(count, times.count))
        outValues.reserveCapacity(min(count, times.count))
        var next = 0
        var at = start
        while at <= end {
            while next < times.count, times[next] <= at { next += 1 }
            let latest = next - 1
            if latest >= 0, times[latest] >= at - lookback, values[latest].bitPattern != Self.staleNaN {
                outTimes.append(Double(at) / 1000)
                outValues.append(values[latest])
            }
            at += step
        }
        return (outTimes, outValues)
    }

    /// How many samples a series can need on this grid: one at or before the first step, one in each
    /// interval up to each later step.
    var bucketCount: Int { step > 0 && start <= end ? Int((end - start) / step) + 2 : 0 }

    /// Drops the samples no step can pick. Of the samples between two steps only the latest can be a
    /// step's "latest at or before"; none after the last step is ever read. Exact — ``points(times:values:)``
    /// answers the same before and after — so a decode keeps a series to one sample per step however
    /// dense the answer is, and a hostile answer of 2-bit samples cannot expand 64-fold in memory.
    func thin(_ times: inout [Int64], _ values: inout [Double]) {
        (times, values) = Self.ordered(times, values)
        guard bucketCount > 0 else {
            times.removeAll()
            values.removeAll()
            return
        }
        var kept = 0
        var keptBucket: Int64 = -1
        for index in times.indices {
            let time = times[index]
            guard time <= end else { break }
            let bucket = time <= start ? 0 : (time - start + step - 1) / step
            if bucket == keptBucket { kept -= 1 }
            times[kept] = time
            values[kept] = values[index]
            kept += 1
            keptBucket = bucket
        }
        times.removeLast(times.count - kept)
        values.removeLast(values.count - kept)
    }

    /// Samples in time order, one per timestamp (the last one read wins). Prometheus's chunks come
    /// ordered and without overlap; this guards the stepping above against a server whose do not.
    static func ordered(_ times: [Int64], _ values: [Double]) -> ([Int64], [Double]) {
        guard zip(times, times.dropFirst()).contains(where: { $0 >= $1 }) else { return (times, values) }
        let order = times.indices.sorted { times[$0] < times[$1] || (times[$0] == times[$1] && $0 < $1) }
        var sortedTimes: [Int64] = []
        var sortedValues: [Double] = []
        for index in order {
            if sortedTimes.last == times[index] {
                sortedValues[sortedValues.count - 1] = values[index]
            } else {
                sortedTimes.append(times[index])
                sortedValues.append(values[index])
            }
        }
        return (sortedTimes, sortedValues)
    }
}
