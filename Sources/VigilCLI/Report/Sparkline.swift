/// A series drawn in a line of Unicode blocks (`▁▂▃▄▅▆▇█`), `width` columns wide, with the columns that
/// fall in anomalous stretches known, so a report can mark them.
struct Sparkline: Equatable {
    static let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// One block per column.
    var blocks: [Character]
    /// Per column: whether it lies in an anomalous stretch.
    var marked: [Bool]
    /// The smallest and largest value drawn.
    var low: Double
    var high: Double

    /// Draws `values` at `times` in `width` columns over `[start, end]`: each column shows the value of
    /// its slice furthest from `reference` (a spike stays visible when many points share a column), and
    /// is marked when it overlaps one of `stretches`. Columns with no point are blank.
    init(
        times: [Double],
        values: [Double],
        start: Double,
        end: Double,
        width: Int,
        reference: Double,
        stretches: [ClosedRange<Double>]
    ) {
        let width = max(1, width)
        let span = max(end - start, 1e-9)
        var columns = [Double?](repeating: nil, count: width)
        for (time, value) in zip(times, values) where value.isFinite && time >= start && time <= end {
            let column = min(width - 1, Int((time - start) / span * Double(width)))
            if let kept = columns[column], abs(kept - reference) >= abs(value - reference) { continue }
            columns[column] = value
        }
        let present = columns.compactMap { $0 }
        low = present.min() ?? 0
        high = present.max() ?? 0
        let range = high - low
        let low = self.low
        blocks = columns.map { value in
            guard let value else { return " " }
            let level = range > 0 ? Int(((value - low) / range * 7).rounded()) : 0
            return Self.levels[min(7, max(0, level))]
        }
        marked = (0..<width).map { column in
            let from = start + Double(column) / Double(width) * span
            let to = start + Double(column + 1) / Double(width) * span
            return stretches.contains { $0.lowerBound < to && $0.upperBound >= from }
        }
    }

    var line: String { String(blocks) }

    /// `^` under each marked column, spaces elsewhere (trailing spaces trimmed).
    var markers: String {
        var text = String(marked.map { $0 ? "^" : " " })
        while text.last == " " { text.removeLast() }
        return text
    }
}
