import Foundation
import Testing

@testable import VigilCore

/// A body parsed as it arrives, in pieces of any size, reads exactly as the whole body does: the same
/// samples, series and roles, or the same error at the same line and column.
struct ExpositionStreamTests {
    /// What a parse reported: each sample as `labels value timestamp role`, then the error if any.
    struct Outcome: Equatable, CustomStringConvertible {
        var samples: [String] = []
        var error: ExpositionError?
        var description: String { (samples + [error.map { "error: \($0)" } ?? "ok"]).joined(separator: "\n") }
    }

    static func sampleLine(_ cache: SeriesCache, _ series: SeriesRef, _ value: Double, _ timestamp: Int64?) -> String {
        let labels = LabelSet.description(of: cache.labels(of: series) ?? [])
        return "\(labels) \(value.isNaN ? "NaN" : "\(value)") \(timestamp.map(String.init) ?? "-")"
    }

    static func whole(_ bytes: [UInt8], _ format: ExpositionFormat, _ limits: ExpositionLimits) -> Outcome {
        let cache = SeriesCache()
        var parser = ExpositionParser(bytes: bytes, format: format, limits: limits, cache: cache)
        var outcome = Outcome()
        do {
            while let entry = try parser.next() {
                guard entry == .sample, let series = parser.seriesRef else { continue }
                outcome.samples.append(
                    sampleLine(cache, series, parser.value, parser.timestamp) + " \(parser.sampleRole)"
                )
            }
        } catch {
            outcome.error = error
        }
        return outcome
    }

    static func streamed(
        _ bytes: [UInt8],
        _ format: ExpositionFormat,
        _ limits: ExpositionLimits,
        pieceSize: Int
    ) -> Outcome {
        let cache = SeriesCache()
        var stream = ExpositionStream(format: format, limits: limits, cache: cache)
        var outcome = Outcome()
        let collect: ExpositionStream.SampleHandler = { sample, role in
            outcome.samples.append(sampleLine(cache, sample.series, sample.value, sample.timestamp) + " \(role())")
            return true
        }
        do throws(ExpositionError) {
            var start = 0
            while start < bytes.count {
                let end = min(start + pieceSize, bytes.count)
                // Each piece in its own allocation, so a read past a piece's end is a read out of bounds.
                let piece = UnsafeMutableRawBufferPointer.allocate(byteCount: end - start, alignment: 1)
                defer { piece.deallocate() }
                bytes[start..<end].withUnsafeBytes { piece.copyMemory(from: $0) }
                _ = try stream.consume(UnsafeRawBufferPointer(piece), collect)
                start = end
            }
            _ = try stream.finish(collect)
        } catch {
            outcome.error = error
        }
        return outcome
    }

    struct Body: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var format: ExpositionFormat
        var testDescription: String { name }
    }

    static let bodies: [Body] = {
        var bodies: [Body] = []
        for name in ["kube-state-metrics.prom", "node_exporter.prom", "checkout-service.om"] {
            let url = repositoryRoot.appendingPathComponent("sample-metrics/\(name)")
            guard let data = try? Data(contentsOf: url) else { continue }
            bodies.append(
                Body(
                    name: name,
                    bytes: Array(data.prefix(40_000)),
                    format: name.hasSuffix(".om") ? .openMetrics : .prometheusText
                )
            )
        }
        let written: [(String, String, ExpositionFormat)] = [
            (
                "typed families",
                "# TYPE a counter\na_total 1\na{x=\"1\"} 2 17\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\nh_sum 2\nother 3\n",
                .prometheusText
            ),
            (
                "families interleaved",
                "# TYPE a counter\na_total 1\n# TYPE g gauge\ng 1\na_total{x=\"1\"} 2\n# TYPE h histogram\nh_count 1\na_created 3\n",
                .prometheusText
            ),
            ("no final line break", "a 1\nb 2", .prometheusText),
            ("a final comment without a line break", "a 1\n# end", .prometheusText),
            ("blank lines and comments", "\n\n# just a comment\n  \na 1\n\n", .prometheusText),
            ("an error on line 3", "a 1\nb 2\nc{x=\"1} 3\nd 4\n", .prometheusText),
            ("a bad value late", "a 1\nb 2\nc 3\nd x\n", .prometheusText),
            ("OpenMetrics", "# TYPE a counter\na_total 1\n# EOF\n", .openMetrics),
            ("OpenMetrics without EOF", "# TYPE a counter\na_total 1\n", .openMetrics),
            ("OpenMetrics EOF without line break", "a 1\n# EOF", .openMetrics),
            ("OpenMetrics text after EOF", "a 1\n# EOF\nb 2\n", .openMetrics),
            ("empty", "", .prometheusText),
            ("empty OpenMetrics", "", .openMetrics),
        ]
        for (name, text, format) in written { bodies.append(Body(name: name, bytes: Array(text.utf8), format: format)) }
        return bodies
    }()

    @Test(arguments: bodies)
    func piecesOfAnySizeReadAsTheWholeBody(_ body: Body) {
        let limits = ExpositionLimits.default
        let reference = Self.whole(body.bytes, body.format, limits)
        for pieceSize in [1, 2, 3, 7, 64, 4096, 1 << 20] {
            let streamed = Self.streamed(body.bytes, body.format, limits, pieceSize: pieceSize)
            #expect(streamed == reference, "pieces of \(pieceSize) bytes")
        }
    }

    @Test func aFamilyDeclaredInAnEarlierPieceTypesItsInterleavedSample() {
        let body = Array("# TYPE a counter\na_total 1\n# TYPE g gauge\ng 1\na_total{x=\"1\"} 2\n".utf8)
        let streamed = Self.streamed(body, .prometheusText, .default, pieceSize: 20)
        #expect(streamed.samples.last == "a_total{x=\"1\"} 2.0 - cumulative")
    }

    @Test func theSampleFilesAreThere() {
        // Without them the parametrised test above would only cover the written bodies.
        #expect(Self.bodies.count == 16)
        #expect(Self.whole(Self.bodies[0].bytes, .prometheusText, .default).samples.count > 100)
    }

    @Test func anOverlongLineIsReportedWithItsLengthWhateverThePieces() {
        let limits = ExpositionLimits(maxLineBytes: 20)
        for text in [
            "a 1\nb{x=\"0123456789012345678901234567890\"} 2\nc 3\n", "a 1\nb{x=\"0123456789012345678901234\"} 2",
        ] {
            let reference = Self.whole(Array(text.utf8), .prometheusText, limits)
            #expect(reference.error?.line == 2)
            for pieceSize in [1, 5, 13, 100] {
                #expect(Self.streamed(Array(text.utf8), .prometheusText, limits, pieceSize: pieceSize) == reference)
            }
        }
    }

    @Test func anOverlongLineIsNotKeptWhileItArrives() {
        // The carried-over start of a line stops growing at the limit, however long the line gets.
        let limits = ExpositionLimits(maxLineBytes: 100)
        var stream = ExpositionStream(format: .prometheusText, limits: limits, cache: SeriesCache())
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        let accepted = piece.withUnsafeBytes { bytes in
            (0..<1000).allSatisfy { _ in (try? stream.consume(bytes) { _, _ in true }) == true }
        }
        #expect(accepted)
        #expect(stream.carriedByteCount <= 100)
        let error = #expect(throws: ExpositionError.self) { try stream.finish { _, _ in true } }
        #expect(error?.message == "line is 1000000 bytes long, over the limit of 100 bytes")
    }

    @Test func theHandlerCanStopTheParse() throws {
        var stream = ExpositionStream(format: .prometheusText, cache: SeriesCache())
        var seen = 0
        let proceed = try Array("a 1\nb 2\nc 3\n".utf8).withUnsafeBytes { bytes throws(ExpositionError) in
            try stream.consume(bytes) { _, _ in
                seen += 1
                return seen < 2
            }
        }
        #expect(!proceed)
        #expect(seen == 2)
    }

    /// A text body without its last line break, read as Prometheus's scraper reads it (`promlexer` appends
    /// one to every body): the last line is a sample like any other, and a last TYPE line is metadata. Read
    /// to the letter (`vigil lint`, as promtool), it is refused. Scrapes refused it, where Prometheus has
    /// the target up.
    @Test(arguments: [
        ("a 1", ["a 1"]), ("a 1\nb{x=\"y\"} 2 1000", ["a 1", "b{x=\"y\"} 2"]), ("a 1\n# TYPE b gauge", ["a 1"]),
    ])
    func aLastLineWithoutItsBreakIsReadAsPrometheusReadsIt(body: String, expected: [String]) throws {
        func read(_ reading: OpenMetricsReading) throws -> [String] {
            let cache = SeriesCache()
            var stream = ExpositionStream(format: .prometheusText, reading: reading, cache: cache)
            var seen: [String] = []
            let collect: ExpositionStream.SampleHandler = { sample, _ in
                seen.append("\(LabelSet.description(of: cache.labels(of: sample.series) ?? [])) \(Int(sample.value))")
                return true
            }
            let bytes = Array(body.utf8)
            _ = try bytes.withUnsafeBytes { try stream.consume($0, collect) }
            _ = try stream.finish(collect)
            return seen
        }
        #expect(try read(.prometheus) == expected)
        #expect(throws: ExpositionError.self) { try read(.specification) }
    }
}
