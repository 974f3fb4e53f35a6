/// Which `query_range` requests read a stretch of history: one selector per request, the step clamped
/// so no request asks Prometheus for more than its 11,000 points per series, and long ranges split
/// into windows so each answer stays small and several can run at once.
public struct RangeQueryPlan: Sendable, Equatable {
    /// Prometheus refuses a range query of more points per series (`exceeded maximum resolution`).
    public static let prometheusMaximumPoints = 11_000

    /// One request: a selector over `[start, end]` every `step` seconds (inclusive ends, as Prometheus).
    public struct Query: Sendable, Equatable {
        public var selector: String
        public var start: Double
        public var end: Double
        public var step: Double

        /// The points per series this request can answer with.
        public var points: Int { Int(((end - start) / step).rounded(.down)) + 1 }
    }

    public private(set) var queries: [Query]
    /// The step used: the one asked for, or coarser when the range would need too many points.
    public let step: Double

    /// Plans `selectors` over `[start, end]`. The step is raised (to whole seconds) until the whole
    /// range fits in 11,000 points per series, which also bounds what is kept per series; each
    /// selector's range is then cut into as few windows of at most `pointsPerQuery` points as will do,
    /// of even length, on one grid (`start + k × step`), so windows neither overlap nor leave gaps. Small
    /// windows keep each answer small and let Prometheus evaluate several at once: one selector (a
    /// histogram's buckets) is often most of the data.
    public init(selectors: [String], start: Double, end: Double, step: Double, pointsPerQuery: Int = 720) {
        let span = max(0, end - start)
        let finest = (span / Double(Self.prometheusMaximumPoints)).rounded(.up)
        let step = max(step, finest, 0.001)
        let perQuery = max(1, min(pointsPerQuery, Self.prometheusMaximumPoints))
        self.step = step
        let points = Int((span / step).rounded(.down)) + 1
        let count = (points + perQuery - 1) / perQuery
        let each = (points + count - 1) / count
        let windows = (0..<count).map { window in
            let first = start + Double(window * each) * step
            return (first, window == count - 1 ? end : first + Double(each - 1) * step)
        }
        queries = selectors.flatMap { selector in
            windows.map { Query(selector: selector, start: $0.0, end: $0.1, step: step) }
        }
    }
}
