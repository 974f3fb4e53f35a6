/// A counter's rate at each of its points, read over a window of its own samples as PromQL's `rate()`
/// reads a range, without extrapolation: the increase since the earliest point in the window (a drop is
/// a reset, the new value its increase) over the time between.
///
/// The window is the time the counter takes to change when it does: its scrape interval, whether the points
/// are the samples themselves (then the window is one interval, and the rate is the one between
/// consecutive samples) or Prometheus's answer stepped onto a finer grid, where each sample repeats until
/// the next. Between consecutive steps such a counter read 0, then the whole increase at once: a counter
/// scraped every minute, read at 15 s, gave 0, 0, 0, 4r.
enum WindowedRate {
    /// The rate at each point (nil: none there — not a measurement, a repeated or earlier timestamp, or
    /// less than a window since the first point or since a gap longer than `gap`).
    static func rates(times: [Double], values: [Double], gap: Double) -> [Double?] {
        var rates = [Double?](repeating: nil, count: times.count)
        // The points that count: finite values at increasing times.
        var kept: [Int] = []
        kept.reserveCapacity(times.count)
        for index in times.indices where values[index].isFinite {
            if let last = kept.last, times[index] <= times[last] { continue }
            kept.append(index)
        }
        guard kept.count > 1 else { return rates }
        let window = window(kept.map { times[$0] }, kept.map { values[$0] }, gap: gap)
        // Increases summed from the first point, and where each point's run without a long gap began.
        var increase = [Double](repeating: 0, count: kept.count)
        var runStart = [Int](repeating: 0, count: kept.count)
        for position in kept.indices.dropFirst() {
            let (previous, current) = (kept[position - 1], kept[position])
            guard times[current] - times[previous] <= gap else {
                increase[position] = increase[position - 1]
                runStart[position] = position
                continue
            }
            let step = values[current] >= values[previous] ? values[current] - values[previous] : values[current]
            increase[position] = increase[position - 1] + step
            runStart[position] = runStart[position - 1]
        }
        // A point up to a tenth of the window late still opens it: scrapes jitter.
        let reach = 0.9 * window
        var earliest = 0
        for position in kept.indices {
            let time = times[kept[position]]
            guard time - times[kept[runStart[position]]] >= reach else { continue }
            earliest = max(earliest, runStart[position])
            while times[kept[earliest + 1]] <= time - reach { earliest += 1 }
            guard earliest < position else { continue }
            rates[kept[position]] =
                (increase[position] - increase[earliest]) / (time - times[kept[earliest]])
        }
        return rates
    }

    /// The time between changes of value at its tenth percentile — a counter cannot change faster than
    /// it is scraped, and one that changes rarely still changes at consecutive scrapes within a burst
    /// (the median read a sporadic error counter over five minutes, a fifth of its burst's rate) — no
    /// shorter than the median spacing of the points and no longer than `gap`; the spacing where the
    /// value never changes.
    static func window(_ times: [Double], _ values: [Double], gap: Double) -> Double {
        let spacing = Signal.medianSpacing(times)
        var changes: [Double] = []
        var changedAt = times[0]
        for index in times.indices.dropFirst() where values[index] != values[index - 1] {
            changes.append(times[index] - changedAt)
            changedAt = times[index]
        }
        guard !changes.isEmpty else { return spacing }
        changes.sort()
        return min(max(changes[changes.count / 10], spacing), gap)
    }
}
