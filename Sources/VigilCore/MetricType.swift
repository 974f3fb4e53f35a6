/// A metric family's type as declared by `# TYPE`.
public enum MetricType: String, Sendable, CaseIterable {
    case counter, gauge, histogram, summary, info, stateset, gaugehistogram
    /// OpenMetrics `unknown`; text 0.0.4 calls it `untyped`.
    case unknown

    /// The type named by a `# TYPE` line, or nil when the format does not know the word.
    init?(typeWord: Substring, format: ExpositionFormat) {
        switch (typeWord, format) {
        case ("counter", _): self = .counter
        case ("gauge", _): self = .gauge
        case ("histogram", _): self = .histogram
        case ("summary", _): self = .summary
        case ("untyped", .prometheusText): self = .unknown
        case ("unknown", .openMetrics): self = .unknown
        case ("info", .openMetrics): self = .info
        case ("stateset", .openMetrics): self = .stateset
        case ("gaugehistogram", .openMetrics): self = .gaugehistogram
        default: return nil
        }
    }

    /// The sample-name suffixes an OpenMetrics family of this type may carry.
    var openMetricsSuffixes: [String] {
        switch self {
        case .counter: ["_total", "_created"]
        case .summary: ["", "_count", "_sum", "_created"]
        case .histogram: ["_count", "_sum", "_bucket", "_created"]
        case .gaugehistogram: ["_gcount", "_gsum", "_bucket"]
        case .info: ["_info"]
        case .gauge, .stateset, .unknown: [""]
        }
    }
}
