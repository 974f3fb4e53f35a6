/// Parses a body as it arrives, in pieces of any size, with the same result and the same errors as
/// ``ExpositionParser`` over the whole body — but for a text body's last line without its line break,
/// which a stream reading as Prometheus's scraper reads takes (``finish(_:)``).
///
/// Whole lines are parsed straight from each piece, while its bytes are still in the CPU cache; only a
/// line split between two pieces is copied, into a buffer bounded by the line length limit. So a scrape
/// never holds its body: at 100k series that is 17 MB less resident memory and one copy less.
///
/// Every sample resolves to its series in the cache, as in a cached ``ExpositionParser`` (up to
/// ``resolvedSampleLimit``, where one is set).
public struct ExpositionStream {
    private var parser: ExpositionParser
    private let cache: SeriesCache
    /// The start of a line the previous piece ended in the middle of.
    private var partialLine: [UInt8] = []
    /// The partial line's length: it stops growing `partialLine` past the line length limit, and still
    /// counts, so an overlong line reports the same length as a whole-body parse would.
    private var partialLength = 0
    /// How many samples resolve to their series (0: all). Those after it are parsed, checked and counted
    /// (``unresolvedSamples``) but not resolved, so the cache takes none of their series: a scrape over its
    /// sample limit keeps none of its samples, and reads on only to count them, as Prometheus does.
    public var resolvedSampleLimit = 0
    private var resolvedSamples = 0
    /// Samples parsed past ``resolvedSampleLimit``, not handed to the sample handler.
    public private(set) var unresolvedSamples = 0

    /// A sample and its series.
    public struct Sample: Sendable, Equatable {
        public var value: Double
        /// Milliseconds since the epoch, when the sample carries a timestamp.
        public var timestamp: Int64?
        /// Last: after the optional's 9 bytes it fills the padding, so a sample is 24 bytes, not 32.
        public var series: SeriesRef

        public init(series: SeriesRef, value: Double, timestamp: Int64?) {
            self.series = series
            self.value = value
            self.timestamp = timestamp
        }
    }

    /// Called for each sample with the sample and a function giving its ``SampleRole`` (computed only
    /// when asked: it is needed once per series, not once per sample). Returning false stops the parse.
    public typealias SampleHandler = (Sample, () -> SampleRole) -> Bool

    public init(
        format: ExpositionFormat,
        limits: ExpositionLimits = .default,
        reading: OpenMetricsReading = .specification,
        cache: SeriesCache
    ) {
        parser = ExpositionParser(bytes: [], format: format, limits: limits, reading: reading, cache: cache)
        self.cache = cache
    }

    /// Bytes held for a line split between pieces.
    var carriedByteCount: Int { partialLine.count }

    /// Parses every line `piece` completes. Returns false when `onSample` stopped the parse.
    public mutating func consume(
        _ piece: UnsafeRawBufferPointer,
        _ onSample: SampleHandler
    ) throws(ExpositionError) -> Bool {
        let bytes = piece.assumingMemoryBound(to: UInt8.self)
        guard bytes.count > 0 else { return true }
        let firstBreak = ByteScanning.firstIndex(of: UInt8(ascii: "\n"), in: bytes, from: 0, end: bytes.count)
        var wholeLinesStart = 0
        if partialLength > 0 || firstBreak == bytes.count {
            // This piece continues (or is all inside) the line the last one broke off.
            let end = Swift.min(firstBreak &+ 1, bytes.count)
            try keepPartial(UnsafeBufferPointer(rebasing: bytes[0..<end]))
            guard firstBreak < bytes.count else { return true }
            guard try parsePartialLine(onSample) else { return false }
            wholeLinesStart = end
        }
        var lastBreak = bytes.count &- 1
        while lastBreak >= wholeLinesStart, bytes[lastBreak] != UInt8(ascii: "\n") { lastBreak &-= 1 }
        if lastBreak >= wholeLinesStart {
            let proceed = try parse(UnsafeBufferPointer(rebasing: bytes[wholeLinesStart...lastBreak]), onSample)
            guard proceed else { return false }
        }
        try keepPartial(UnsafeBufferPointer(rebasing: bytes[(lastBreak &+ 1)...]))
        return true
    }

    /// Ends the body: parses a last line that has no line break, then checks the body as a whole (an
    /// OpenMetrics body must end with `# EOF`). Returns false when `onSample` stopped the parse.
    ///
    /// Read as Prometheus's scraper reads it (``OpenMetricsReading/prometheus``), a text body ends with a
    /// line break whether it has one or not (`promlexer` appends one to every body): a hand-written
    /// exporter that leaves it out is up for Prometheus, and was down here. HTTP's framing, not the last
    /// line break, tells a whole body from one cut short. Read to the letter, it must end with one.
    public mutating func finish(_ onSample: SampleHandler) throws(ExpositionError) -> Bool {
        let limit = parser.limits.maxLineBytes
        if limit > 0, partialLength > limit {
            throw ExpositionParser.overlongLine(parser.lineNumber &+ 1, length: partialLength, limit: limit)
        }
        if partialLength > 0 {
            if parser.reading == .prometheus, parser.format == .prometheusText {
                partialLine.append(UInt8(ascii: "\n"))
            }
            guard try parsePartialLine(onSample) else { return false }
        }
        _ = try parser.finish()
        return true
    }

    /// Parses the line carried over from earlier pieces, and empties the carry (keeping its capacity).
    private mutating func parsePartialLine(_ onSample: SampleHandler) throws(ExpositionError) -> Bool {
        var line: [UInt8] = []
        swap(&line, &partialLine)  // so parsing, which mutates self, does not overlap an access to the carry
        defer {
            line.removeAll(keepingCapacity: true)
            partialLine = line
            partialLength = 0
        }
        return try line.withUnsafeBufferPointer { bytes throws(ExpositionError) -> Bool in
            try parse(bytes, onSample)
        }
    }

    private mutating func keepPartial(_ bytes: UnsafeBufferPointer<UInt8>) throws(ExpositionError) {
        guard bytes.count > 0 else { return }
        let limit = parser.limits.maxLineBytes
        partialLength &+= bytes.count
        // The line break does not count towards a line's length.
        let length = bytes.last == UInt8(ascii: "\n") ? partialLength &- 1 : partialLength
        if limit > 0, length > limit {
            if bytes.last == UInt8(ascii: "\n") {
                throw ExpositionParser.overlongLine(parser.lineNumber &+ 1, length: length, limit: limit)
            }
            return  // Counted, not kept: the error comes with the line's end and its whole length.
        }
        partialLine.append(contentsOf: bytes)
    }

    private mutating func parse(
        _ lines: UnsafeBufferPointer<UInt8>,
        _ onSample: SampleHandler
    ) throws(ExpositionError) -> Bool {
        parser.beginPiece()
        let cache = self.cache
        while true {
            // Two calls, not one with an optional made per line: the cache stays borrowed.
            let next =
                if resolvedSampleLimit == 0 || resolvedSamples < resolvedSampleLimit {
                    try parser.next(in: lines, cache: cache)
                } else {
                    try parser.next(in: lines, cache: nil)
                }
            guard let entry = next else { break }
            guard entry == .sample else { continue }
            guard let series = parser.seriesRef else {
                unresolvedSamples &+= 1
                continue
            }
            resolvedSamples &+= 1
            let sample = Sample(series: series, value: parser.value, timestamp: parser.timestamp)
            guard onSample(sample, { self.parser.sampleRole(in: lines) }) else { return false }
        }
        return true
    }
}
