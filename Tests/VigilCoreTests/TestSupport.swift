import Foundation
import Testing

@testable import VigilCore

/// One sample as the parser reports it, for comparing whole parses.
struct ParsedSample: Equatable, CustomStringConvertible {
    var name: String
    var labels: [String]
    var value: Double
    var timestamp: Int64?

    var description: String {
        "\(name){\(labels.joined(separator: ","))} \(value) \(timestamp.map(String.init) ?? "-")"
    }

    static func == (lhs: ParsedSample, rhs: ParsedSample) -> Bool {
        lhs.name == rhs.name && lhs.labels == rhs.labels && lhs.timestamp == rhs.timestamp
            && (lhs.value == rhs.value || (lhs.value.isNaN && rhs.value.isNaN))
    }
}

/// Parses a whole body and returns its samples (labels sorted, as `name=value`).
func samples(
    _ text: String,
    _ format: ExpositionFormat = .prometheusText,
    limits: ExpositionLimits = .default,
    reading: OpenMetricsReading = .specification,
    cache: SeriesCache? = nil
) throws(ExpositionError) -> [ParsedSample] {
    try samples(Array(text.utf8), format, limits: limits, reading: reading, cache: cache)
}

func samples(
    _ bytes: [UInt8],
    _ format: ExpositionFormat = .prometheusText,
    limits: ExpositionLimits = .default,
    reading: OpenMetricsReading = .specification,
    cache: SeriesCache? = nil
) throws(ExpositionError) -> [ParsedSample] {
    var parser = ExpositionParser(bytes: bytes, format: format, limits: limits, reading: reading, cache: cache)
    var out: [ParsedSample] = []
    while let entry = try parser.next() {
        guard entry == .sample else { continue }
        out.append(
            ParsedSample(
                name: parser.metricName,
                labels: parser.labels.map { "\($0.name)=\($0.value)" }.sorted(),
                value: parser.value,
                timestamp: parser.timestamp
            )
        )
    }
    return out
}

/// The error a body is rejected with, or nil when it is accepted.
func rejection(
    _ text: String,
    _ format: ExpositionFormat = .prometheusText,
    limits: ExpositionLimits = .default,
    reading: OpenMetricsReading = .specification
) -> ExpositionError? {
    do {
        _ = try samples(text, format, limits: limits, reading: reading)
        return nil
    } catch {
        return error
    }
}

/// Test data vendored with these tests (each folder with its licence; see NOTICE).
let fixturesDirectory: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().appendingPathComponent("Fixtures")

/// The repository root.
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
