/// The cached path for text 0.0.4 samples.
///
/// A sample line is `series value [timestamp]`, and neither value nor timestamp may contain a blank,
/// `"` or `}`. So the series ends before the last one or two blank-separated tokens, found by scanning
/// back from the line break without lexing the labels. If those exact bytes are a known series — and a
/// cache only holds series that passed a full lex — the line is valid as soon as
/// its value and timestamp are. Anything unusual (no cache hit, odd spacing, a bad number) falls back to
/// the full lexer, which gives the precise error.
extension ExpositionParser {
    /// Resolves the current line through the cache without lexing its labels. Returns false when the
    /// line needs the full lexer: it does not split cleanly, its series is unknown, or its value or
    /// timestamp is bad (the full lexer then reports the precise error).
    mutating func fastSample(_ buffer: UnsafeBufferPointer<UInt8>, cache: SeriesCache) -> Bool {
        guard ByteScanning.isMetricNameStart(buffer[lineStart]) else { return false }
        var end = lineEnd
        while end > lineStart, ByteScanning.isBlank(buffer[end &- 1]) { end &-= 1 }
        guard let last = tokenBefore(buffer, end) else { return false }
        var seriesEnd = trimBlanks(buffer, last.lowerBound)
        guard seriesEnd > lineStart, seriesEnd < last.lowerBound else { return false }
        var valueRange = last
        var timestampRange: Range<Int>? = nil
        if buffer[seriesEnd &- 1] != UInt8(ascii: "}") {
            // Either `name value` or `series value timestamp`: the latter has a token before the value.
            if let value = tokenBefore(buffer, seriesEnd), value.lowerBound > lineStart {
                let before = trimBlanks(buffer, value.lowerBound)
                if before < value.lowerBound, before > lineStart {
                    timestampRange = last
                    valueRange = value
                    seriesEnd = before
                }
            }
        }
        let series = lineStart..<seriesEnd
        guard let ref = cache.lookup(buffer, series),
            case .value(let value) = NumberSyntax.parse(buffer, valueRange, .prometheusValue)
        else { return false }
        var milliseconds: Int64? = nil
        if let timestampRange {
            guard let parsed = NumberSyntax.parseMillisecondTimestamp(buffer, timestampRange) else { return false }
            milliseconds = parsed
        }
        entry = .sample
        hasExemplar = false
        labelsLexed = false
        seriesRange = series
        sampleValue = value
        sampleTimestamp = milliseconds
        seriesReference = ref
        return true
    }

    /// Finds the fully lexed series in the cache, or adds it. Keyed by the bytes the lexer took as the
    /// series, so a later fast-path split of an identical line finds it.
    mutating func resolveSeries(_ buffer: UnsafeBufferPointer<UInt8>, in cache: SeriesCache) {
        if let known = cache.lookup(buffer, seriesRange) {
            seriesReference = known
            return
        }
        let name = String(decoding: UnsafeBufferPointer(rebasing: buffer[nameRange]), as: UTF8.self)
        var pairs: [(name: String, value: String)] = [("__name__", name)]
        pairs.append(contentsOf: lexedLabels(in: buffer))
        seriesReference = cache.insert(buffer, seriesRange, labels: LabelSet.sorted(pairs))
    }

    /// The blank-free token ending at `end`, or nil if it holds a byte no value or timestamp can hold.
    @inline(__always)
    private func tokenBefore(_ buffer: UnsafeBufferPointer<UInt8>, _ end: Int) -> Range<Int>? {
        var start = end
        while start > lineStart {
            let byte = buffer[start &- 1]
            if ByteScanning.isBlank(byte) { break }
            if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "\"") { return nil }
            start &-= 1
        }
        return start < end ? start..<end : nil
    }

    @inline(__always)
    private func trimBlanks(_ buffer: UnsafeBufferPointer<UInt8>, _ end: Int) -> Int {
        var index = end
        while index > lineStart, ByteScanning.isBlank(buffer[index &- 1]) { index &-= 1 }
        return index
    }
}
