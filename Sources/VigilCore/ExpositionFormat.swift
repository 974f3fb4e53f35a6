/// The two text exposition formats Vigil reads.
public enum ExpositionFormat: String, Sendable, CaseIterable {
    /// Prometheus text format 0.0.4, as Prometheus 2.x's scraper accepts it.
    case prometheusText = "prometheus"
    /// OpenMetrics 1.0.0 text, exactly as specified.
    case openMetrics = "openmetrics"

    /// Chooses the format from an HTTP `Content-Type` the way Prometheus's scraper does:
    /// `application/openmetrics-text` (any parameters, any case) means OpenMetrics, anything else —
    /// including a missing or malformed header — means text 0.0.4.
    public init(contentType: String?) {
        guard let contentType else {
            self = .prometheusText
            return
        }
        let mediaType =
            contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
            .first.map { $0.trimmingASCIIWhitespace().lowercased() } ?? ""
        self = mediaType == "application/openmetrics-text" ? .openMetrics : .prometheusText
    }

    /// The `Accept` header Prometheus 2.x sends when scraping: OpenMetrics preferred, text 0.0.4 as fallback.
    public static let acceptHeader =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
        + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
}

extension Substring {
    func trimmingASCIIWhitespace() -> Substring {
        var slice = self
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return slice
    }
}
