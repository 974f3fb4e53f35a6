/// A pull parser over one exposition body, in the manner of Prometheus's `textparse`.
///
/// Call ``next()`` until it returns nil; it returns the kind of each entry, and the accessors describe
/// that entry until the next call. Nothing is copied out of the body unless an accessor is asked for a
/// `String`. With a ``SeriesCache`` attached, a text 0.0.4 sample whose raw series bytes were seen before
/// is resolved to its ``SeriesRef`` without lexing its labels again, and allocates nothing.
///
/// Errors stop the parse; a body with any error is invalid as a whole. An error is sticky: every call
/// after it throws the same error again.
public struct ExpositionParser {
    /// What one line of the body was.
    public enum Entry: Sendable, Equatable {
        case help, type, unit, comment, sample
    }

    public let format: ExpositionFormat
    public let limits: ExpositionLimits
    /// How strictly OpenMetrics is read.
    public let reading: OpenMetricsReading
    let bytes: [UInt8]
    let cache: SeriesCache?

    var cursor = 0
    var lineNumber = 0
    var lineStart = 0
    var lineEnd = 0
    var sawEOF = false
    var familyValidator: OpenMetricsFamilyValidator?
    /// The error that stopped the parse: the state after it is half-updated (the OpenMetrics validator is
    /// out of the parser while it runs), so nothing goes on from there.
    var failure: ExpositionError?

    // The current entry.
    var entry: Entry = .comment
    var nameRange = 0..<0
    var textRange = 0..<0
    var declaredType = MetricType.unknown
    /// The family name of the last `# TYPE` line: `declaredType` applies only to samples of that family.
    /// Copied (not a range of the body): a streamed body's later lines are in other pieces.
    var typedFamily: [UInt8] = []
    var seriesRange = 0..<0
    var labelSpans: [LabelSpan] = []
    var labelsLexed = false
    var sampleValue: Double = 0
    var sampleTimestamp: Int64?
    var openMetricsTimestamp: Double?
    var exemplarSpans: [LabelSpan] = []
    var hasExemplar = false
    var exemplarValue: Double = 0
    var exemplarTimestamp: Double?
    var seriesReference: SeriesRef?

    /// Parses `bytes` as `format`, OpenMetrics read as `reading` says. With `cache`, samples resolve to
    /// series references (and repeated series skip label parsing), and the cache keeps the families this
    /// body declares (``DeclaredFamilies``), forgetting the last body's: a cache serves one body at a time.
    public init(
        bytes: [UInt8],
        format: ExpositionFormat,
        limits: ExpositionLimits = .default,
        reading: OpenMetricsReading = .specification,
        cache: SeriesCache? = nil
    ) {
        self.bytes = bytes
        self.format = format
        self.limits = limits
        self.reading = reading
        self.cache = cache
        if format == .openMetrics, reading == .specification { familyValidator = OpenMetricsFamilyValidator() }
        labelSpans.reserveCapacity(16)
        typedFamily.reserveCapacity(128)  // once, so a longer family name later does not reallocate
        cache?.declaredFamilies.removeAll()
    }

    /// Takes a `# TYPE` line's type for the samples after it, and notes it among the body's families.
    mutating func declare(_ type: MetricType, family: UnsafeBufferPointer<UInt8>) {
        declaredType = type
        typedFamily.removeAll(keepingCapacity: true)
        typedFamily.append(contentsOf: family)
        cache?.declaredFamilies.declare(type, family: family)
    }

    /// Advances to the next entry: its kind, or nil at the end of a valid body.
    public mutating func next() throws(ExpositionError) -> Entry? {
        let body = bytes
        let cache = self.cache
        return try body.withUnsafeBufferPointer { buffer throws(ExpositionError) -> Entry? in
            guard let entry = try advance(buffer, cache: cache) else { return try finish() }
            return entry
        }
    }

    /// Advances within `piece`, the next whole lines of a body that arrives in pieces (see
    /// ``ExpositionStream``); nil when the piece is used up. Positions are the piece's own. `cache` is
    /// this parser's cache, passed down borrowed: reading the property on every line would retain it.
    mutating func next(in piece: UnsafeBufferPointer<UInt8>, cache: SeriesCache?) throws(ExpositionError) -> Entry? {
        try advance(piece, cache: cache)
    }

    /// Starts reading a new piece of a streamed body from its first byte.
    mutating func beginPiece() {
        cursor = 0
        lineStart = 0
        lineEnd = 0
    }

    /// The next entry of `buffer`, or nil when it is used up.
    private mutating func advance(
        _ buffer: UnsafeBufferPointer<UInt8>,
        cache: SeriesCache?
    ) throws(ExpositionError) -> Entry? {
        if let failure { throw failure }
        do {
            return try advanceUnchecked(buffer, cache: cache)
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func advanceUnchecked(
        _ buffer: UnsafeBufferPointer<UInt8>,
        cache: SeriesCache?
    ) throws(ExpositionError) -> Entry? {
        while true {
            guard cursor < buffer.count else { return nil }
            lineNumber &+= 1
            lineStart = cursor
            let newline = ByteScanning.firstIndex(of: UInt8(ascii: "\n"), in: buffer, from: cursor, end: buffer.count)
            lineEnd = newline
            cursor = newline &+ 1
            if limits.maxLineBytes > 0, lineEnd &- lineStart > limits.maxLineBytes {
                throw Self.overlongLine(lineNumber, length: lineEnd &- lineStart, limit: limits.maxLineBytes)
            }
            switch format {
            case .prometheusText:
                if let entry = try prometheusTextLine(buffer, terminated: newline < buffer.count, cache: cache) {
                    return entry
                }
            case .openMetrics:
                if let entry = try openMetricsLine(buffer, terminated: newline < buffer.count, cache: cache) {
                    return entry
                }
            }
        }
    }

    static func overlongLine(_ line: Int, length: Int, limit: Int) -> ExpositionError {
        ExpositionError(
            line: line,
            column: 1,
            message: "line is \(length) bytes long, over the limit of \(limit) bytes"
        )
    }

    /// Ends the body: nil when it was valid as a whole.
    mutating func finish() throws(ExpositionError) -> Entry? {
        if let failure { throw failure }
        do {
            return try finishUnchecked()
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func finishUnchecked() throws(ExpositionError) -> Entry? {
        if format == .openMetrics {
            guard sawEOF else {
                lineNumber &+= 1
                throw ExpositionError(
                    line: lineNumber,
                    column: 1,
                    message: "missing \"# EOF\" at the end of the exposition"
                )
            }
            if var validator = familyValidator {
                familyValidator = nil
                try validator.finish(ErrorSite(line: lineNumber, lineStart: cursor))
            }
        }
        return nil
    }

    var site: ErrorSite { ErrorSite(line: lineNumber, lineStart: lineStart) }

    func error(at offset: Int, _ message: String) -> ExpositionError {
        site.error(at: offset, message)
    }
}

// MARK: - Accessors

extension ExpositionParser {
    /// The 1-based line of the current entry.
    public var currentLine: Int { lineNumber }

    /// The metric name of the current sample, or the family name of a `# HELP`, `# TYPE` or `# UNIT`.
    public var metricName: String {
        bytes.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[currentNameRange($0)]), as: UTF8.self)
        }
    }

    /// The declared type, for a `.type` entry.
    public var metricType: MetricType { declaredType }

    /// The text of a `.help` entry (unescaped), `.unit` entry, or `.comment` entry (after the `#`).
    public var text: String {
        bytes.withUnsafeBufferPointer { buffer in
            if entry == .help {
                return LabelText.unescaped(buffer, textRange, quoteEscapes: format == .openMetrics)
            }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[textRange]), as: UTF8.self)
        }
    }

    /// The sample value.
    public var value: Double { sampleValue }

    /// The sample timestamp in milliseconds since the epoch, when the sample carries one.
    public var timestamp: Int64? { sampleTimestamp }

    /// The series this sample belongs to, when the parser was given a ``SeriesCache``.
    public var seriesRef: SeriesRef? { seriesReference }

    /// Calls `body` with the raw series bytes (metric name and label set as written).
    public func withSeriesBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[seriesRange])) }
    }

    /// The sample's labels, unescaped, in the order written (without `__name__`).
    public var labels: [(name: String, value: String)] {
        // A sample the cache resolved without lexing has its series lexed now.
        guard labelsLexed else { return withSeriesBytes { Self.lexSeries($0)?.labels ?? [] } }
        return bytes.withUnsafeBufferPointer { lexedLabels(in: $0) }
    }

    /// The metric name and labels (unescaped, in the order written) of a series as an exposition writes
    /// it, `name{labels}`; nil when it does not lex.
    static func lexSeries(
        _ series: UnsafeBufferPointer<UInt8>
    ) -> (name: String, labels: [(name: String, value: String)])? {
        var line = Array(series)
        line.append(contentsOf: " 0\n".utf8)
        var parser = ExpositionParser(bytes: line, format: .prometheusText, limits: ExpositionLimits(maxLineBytes: 0))
        guard (try? parser.next()) == .sample else { return nil }
        return (parser.metricName, parser.labels)
    }

    /// The labels the lexer found in the current line, which is in `buffer`.
    func lexedLabels(in buffer: UnsafeBufferPointer<UInt8>) -> [(name: String, value: String)] {
        labelSpans.map { span in
            (
                String(decoding: UnsafeBufferPointer(rebasing: buffer[span.nameRange]), as: UTF8.self),
                span.isEscaped
                    ? LabelText.unescaped(buffer, span.valueRange)
                    : String(decoding: UnsafeBufferPointer(rebasing: buffer[span.valueRange]), as: UTF8.self)
            )
        }
    }

    /// The exemplar of the current sample (OpenMetrics only).
    public var exemplar: Exemplar? {
        guard hasExemplar else { return nil }
        let labels = bytes.withUnsafeBufferPointer { buffer in
            exemplarSpans.map { span in
                (
                    String(decoding: UnsafeBufferPointer(rebasing: buffer[span.nameRange]), as: UTF8.self),
                    LabelText.unescaped(buffer, span.valueRange)
                )
            }
        }
        return Exemplar(
            labels: labels.map { Exemplar.Label(name: $0.0, value: $0.1) },
            value: exemplarValue,
            timestamp: exemplarTimestamp
        )
    }

    func currentNameRange(_ buffer: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        guard entry == .sample, !labelsLexed else { return nameRange }
        // Fast-path samples skip lexing; the name is the run of name bytes that starts the series.
        var end = seriesRange.lowerBound
        while end < seriesRange.upperBound, ByteScanning.isMetricNameByte(buffer[end]) { end &+= 1 }
        return seriesRange.lowerBound..<end
    }
}

/// An OpenMetrics exemplar: a sampled trace's labels and value attached to a counter or bucket.
public struct Exemplar: Sendable, Equatable {
    public struct Label: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public var labels: [Label]
    public var value: Double
    /// Seconds since the epoch, when given.
    public var timestamp: Double?
}
