import VigilCore

/// One fuzz input: parse it as both formats, with and without a series cache, and require that the
/// cached text 0.0.4 parse agrees with the full lexer sample for sample, or fails at the same place, and
/// that a body streamed in pieces reads as it does in one piece, and that OpenMetrics read as Prometheus's
/// scraper reads it reads what the specification accepts alike;
/// then read it as a recorded `timestamp,value` CSV and score it, as a checkpoint payload, and as a
/// relabel regex and a value (``fuzzRegex(_:)``). Any crash,
/// hang, leak or disagreement is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExposition(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let limits = ExpositionLimits(maxLineBytes: 4096)
    let reference = outcome(bytes, .prometheusText, limits, cache: nil)
    let cache = SeriesCache()
    // Twice: the first pass fills the cache, the second takes the lexing-free path.
    for _ in 0..<2 {
        cache.beginScrape()
        let cached = outcome(bytes, .prometheusText, limits, cache: cache)
        if cached != reference {
            fatalError("cached parse disagrees with the full lexer:\n\(cached)\nvs\n\(reference)")
        }
    }
    // The same body arriving in pieces reads exactly as it does whole (samples, values, the error).
    // OpenMetrics both as specified and as Prometheus's scraper reads it (as scrapes do).
    let readings: [(ExpositionFormat, OpenMetricsReading)] = [
        (.prometheusText, .specification), (.openMetrics, .specification), (.openMetrics, .prometheus),
    ]
    for (format, reading) in readings {
        let whole = streamed(bytes, format, limits, reading, pieceSize: max(1, bytes.count))
        let pieces = streamed(bytes, format, limits, reading, pieceSize: 1 + size % 13)
        if whole != pieces { fatalError("streamed parse depends on the pieces:\n\(pieces)\nvs\n\(whole)") }
    }
    // What the specification accepts, Prometheus's reading reads alike (its rules are a subset), but for
    // a value past a Double's range: infinite to the specification, an error to Go's ParseFloat.
    let specified = outcome(bytes, .openMetrics, limits, cache: SeriesCache())
    let asPrometheusReads = outcome(bytes, .openMetrics, limits, reading: .prometheus, cache: SeriesCache())
    func failure(_ log: String) -> Substring? {
        log.split(separator: "\n").last.flatMap { $0.hasPrefix("error ") ? $0 : nil }
    }
    if failure(specified) == nil, specified != asPrometheusReads,
        failure(asPrometheusReads)?.hasSuffix("is out of range") != true
    {
        fatalError("Prometheus's reading differs from the specification's:\n\(asPrometheusReads)\nvs\n\(specified)")
    }
    _ = try? MetricFamily.read(bytes, format: .openMetrics)
    if let series = try? RecordedSeries(csv: bytes) {
        let parameters = EnsembleParameters()
        var detector = EnsembleDetector(parameters: parameters)
        for (value, timestamp) in zip(series.values, series.timestamps) {
            let score = detector.observe(value, at: timestamp, parameters: parameters).score
            if !(score >= 0 && score <= 1) { fatalError("score \(score) outside [0, 1]") }
        }
    }
    // A damaged checkpoint must be refused, never crash or allocate without bound.
    _ = try? StoreSnapshot.decodeBinary(bytes) { _ in EnsembleParameters() }
    fuzzRegex(bytes)
    return 0
}

/// Everything a parse reports, for comparing two parses of one body.
private func outcome(
    _ bytes: [UInt8],
    _ format: ExpositionFormat,
    _ limits: ExpositionLimits,
    reading: OpenMetricsReading = .specification,
    cache: SeriesCache?
) -> String {
    var parser = ExpositionParser(bytes: bytes, format: format, limits: limits, reading: reading, cache: cache)
    var log = ""
    do {
        while let entry = try parser.next() {
            switch entry {
            case .sample:
                let labels = parser.labels.map { "\($0.name)=\($0.value)" }.sorted().joined(separator: ",")
                if let cache {
                    // With a cache every sample resolves to a series whose labels are the ones written.
                    guard let ref = parser.seriesRef else { fatalError("sample without a series ref") }
                    let cached = (cache.labels(of: ref) ?? [])
                        .filter { $0.name != "__name__" }.map { "\($0.name)=\($0.value)" }.sorted()
                        .joined(separator: ",")
                    if cached != labels { fatalError("series ref labels {\(cached)} differ from {\(labels)}") }
                }
                let value = parser.value.isNaN ? "NaN" : "\(parser.value)"
                log +=
                    "\(parser.currentLine) \(parser.metricName){\(labels)} \(value) \(parser.timestamp.map(String.init) ?? "-")"
                if let exemplar = parser.exemplar {
                    let value = exemplar.value.isNaN ? "NaN" : "\(exemplar.value)"
                    log += " # \(exemplar.labels.map { "\($0.name)=\($0.value)" }) \(value) \(exemplar.timestamp ?? -1)"
                }
                log += "\n"
            case .help, .type, .unit, .comment:
                log += "\(parser.currentLine) \(entry) \(parser.text)\n"
            }
        }
    } catch {
        log += "error \(error)\n"
    }
    return log
}

/// The samples of a body streamed in pieces of `pieceSize` bytes (each its own allocation, so a read
/// past a piece is out of bounds), as `labels value timestamp role` lines, then the error if any.
private func streamed(
    _ bytes: [UInt8],
    _ format: ExpositionFormat,
    _ limits: ExpositionLimits,
    _ reading: OpenMetricsReading,
    pieceSize: Int
) -> String {
    let cache = SeriesCache()
    var stream = ExpositionStream(format: format, limits: limits, reading: reading, cache: cache)
    var log = ""
    var labelsByRef: [SeriesRef: String] = [:]
    let collect: ExpositionStream.SampleHandler = { sample, role in
        if labelsByRef[sample.series] == nil {
            labelsByRef[sample.series] = LabelSet.description(of: cache.labels(of: sample.series) ?? [])
        }
        let value = sample.value.isNaN ? "NaN" : "\(sample.value)"
        log += "\(labelsByRef[sample.series]!) \(value) \(sample.timestamp.map(String.init) ?? "-") \(role())\n"
        return true
    }
    do throws(ExpositionError) {
        var start = 0
        while start < bytes.count {
            let end = min(start + pieceSize, bytes.count)
            let piece = UnsafeMutableRawBufferPointer.allocate(byteCount: end - start, alignment: 1)
            defer { piece.deallocate() }
            bytes[start..<end].withUnsafeBytes { piece.copyMemory(from: $0) }
            _ = try stream.consume(UnsafeRawBufferPointer(piece), collect)
            start = end
        }
        _ = try stream.finish(collect)
    } catch {
        log += "error \(error)\n"
    }
    return log
}

/// One fuzz input as a regex and a value (split at the first NUL): compiled as a relabel regex and as
/// a label matcher, it must be refused or answer, never crash or hang, and its two answers must agree
/// (whether it matches, and, for a label matcher, that a match is the whole value). The pattern is cut
/// at 48 bytes and the value at 1 KiB: matching is linear in both, and a 48-byte pattern can still
/// unroll to tens of thousands of instructions.
func fuzzRegex(_ bytes: [UInt8]) {
    let split = bytes.firstIndex(of: 0) ?? bytes.count
    let pattern = String(decoding: bytes[..<min(split, 48)], as: UTF8.self)
    let value = String(decoding: bytes[min(split + 1, bytes.count)...].prefix(1024), as: UTF8.self)
    for standalone in [false, true] {
        guard let regex = try? RE2(pattern, standalone: standalone) else { continue }
        let groups = regex.match(value)
        if regex.matches(value) != (groups != nil) {
            fatalError("\(pattern.debugDescription) on \(value.debugDescription): matches and match disagree")
        }
        if standalone, let whole = groups?.first, whole.map({ $0.utf8.elementsEqual(value.utf8) }) != true {
            fatalError("\(pattern.debugDescription): a label matcher's match is not the whole value")
        }
    }
}
