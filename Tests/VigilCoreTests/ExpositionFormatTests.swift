import Testing

@testable import VigilCore

/// Content negotiation as Prometheus's scraper does it.
struct ExpositionFormatTests {
    @Test(arguments: [
        ("application/openmetrics-text; version=1.0.0; charset=utf-8", ExpositionFormat.openMetrics),
        ("Application/OpenMetrics-Text", .openMetrics),
        ("application/openmetrics-text", .openMetrics),
        ("text/plain; version=0.0.4; charset=utf-8", .prometheusText),
        ("text/html", .prometheusText),
        ("", .prometheusText),
        ("garbage;;;", .prometheusText),
    ])
    func choosesFormatFromContentType(_ contentType: String, _ expected: ExpositionFormat) {
        #expect(ExpositionFormat(contentType: contentType) == expected)
    }

    @Test func missingContentTypeMeansText() {
        #expect(ExpositionFormat(contentType: nil) == .prometheusText)
    }

    @Test func acceptHeaderPrefersOpenMetrics() {
        #expect(ExpositionFormat.acceptHeader.hasPrefix("application/openmetrics-text;version=1.0.0"))
        #expect(ExpositionFormat.acceptHeader.contains("text/plain;version=0.0.4;q=0.5"))
    }
}
