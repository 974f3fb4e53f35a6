/// Text format 0.0.4 as Prometheus 2.x's `promlexer`/`PromParser` reads it: blanks (spaces and tabs)
/// between tokens, blank lines, free comments, `# HELP`/`# TYPE`, optional trailing comma in a label set,
/// integer millisecond timestamps, and a line break after every line.
extension ExpositionParser {
    mutating func prometheusTextLine(
        _ buffer: UnsafeBufferPointer<UInt8>,
        terminated: Bool,
        cache: SeriesCache?
    ) throws(ExpositionError) -> Entry? {
        var index = lineStart
        while index < lineEnd, ByteScanning.isBlank(buffer[index]) { index &+= 1 }
        if index == lineEnd { return nil }  // Blank lines are allowed.
        guard terminated else {
            throw error(at: lineEnd, "unexpected end of input: the last line must end with a line break")
        }
        if buffer[index] == UInt8(ascii: "#") {
            return try prometheusTextComment(buffer, from: index &+ 1)
        }
        // `unsafelyUnwrapped` after the nil check, not `if let`: the binding cost a retain and a
        // release of the cache per line (the caller keeps the cache alive throughout).
        if cache != nil, fastSample(buffer, cache: cache.unsafelyUnwrapped) { return .sample }
        try prometheusTextSample(buffer, from: index)
        if cache != nil { resolveSeries(buffer, in: cache.unsafelyUnwrapped) }
        return .sample
    }

    private mutating func prometheusTextComment(
        _ buffer: UnsafeBufferPointer<UInt8>,
        from start: Int
    ) throws(ExpositionError) -> Entry {
        var index = start
        while index < lineEnd, ByteScanning.isBlank(buffer[index]) { index &+= 1 }
        // `#HELP x` (no blank after `#`) is a plain comment, as in Prometheus's lexer.
        let keyword: Entry?
        if index > start, index &+ 4 < lineEnd, ByteScanning.isBlank(buffer[index &+ 4]) {
            keyword = matches(buffer, index, "HELP") ? .help : matches(buffer, index, "TYPE") ? .type : nil
        } else {
            keyword = nil
        }
        guard let keyword else {
            entry = .comment
            textRange = start..<lineEnd
            return .comment
        }
        index &+= 4
        while index < lineEnd, ByteScanning.isBlank(buffer[index]) { index &+= 1 }
        let nameStart = index
        if index < lineEnd, ByteScanning.isMetricNameStart(buffer[index]) {
            index &+= 1
            while index < lineEnd, ByteScanning.isMetricNameByte(buffer[index]) { index &+= 1 }
        }
        guard index > nameStart else {
            let what = keyword == .help ? "HELP" : "TYPE"
            throw error(at: nameStart, "expected metric name after \(what), got \(quoted(buffer, nameStart..<lineEnd))")
        }
        nameRange = nameStart..<index
        // Prometheus takes the rest of the line after the name and drops its first byte (the separator).
        textRange = Swift.min(index &+ 1, lineEnd)..<lineEnd
        entry = keyword
        if keyword == .type {
            let typeWord = Substring(decoding: UnsafeBufferPointer(rebasing: buffer[textRange]), as: UTF8.self)
            guard let type = MetricType(typeWord: typeWord, format: .prometheusText) else {
                throw error(at: textRange.lowerBound, "invalid metric type \(quoted(buffer, textRange))")
            }
            declaredType = type
            typedFamily.removeAll(keepingCapacity: true)
            typedFamily.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[nameRange]))
        } else if !ByteScanning.isValidUTF8(buffer, textRange) {
            throw error(at: textRange.lowerBound, "help text is not valid UTF-8")
        }
        return keyword
    }

    /// True when the current line holds `word` byte for byte at `index`.
    func matches(_ buffer: UnsafeBufferPointer<UInt8>, _ index: Int, _ word: StaticString) -> Bool {
        guard index &+ word.utf8CodeUnitCount <= lineEnd else { return false }
        let pointer = word.utf8Start
        for offset in 0..<word.utf8CodeUnitCount where buffer[index &+ offset] != pointer[offset] { return false }
        return true
    }

    /// Lexes a whole sample line; used for every sample without a cache, and for unseen series with one.
    mutating func prometheusTextSample(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) throws(ExpositionError) {
        entry = .sample
        hasExemplar = false
        labelSpans.removeAll(keepingCapacity: true)
        labelsLexed = true
        seriesReference = nil
        var index = start
        guard ByteScanning.isMetricNameStart(buffer[index]) else {
            throw error(at: index, "\(quoted(buffer, index..<tokenEnd(buffer, index))) is not a valid start token")
        }
        index &+= 1
        while index < lineEnd, ByteScanning.isMetricNameByte(buffer[index]) { index &+= 1 }
        nameRange = start..<index
        seriesRange = start..<index
        skipBlanks(buffer, &index)
        if index < lineEnd, buffer[index] == UInt8(ascii: "{") {
            index &+= 1
            try prometheusTextLabels(buffer, &index)
            seriesRange = start..<index
            skipBlanks(buffer, &index)
        }
        let valueStart = index
        while index < lineEnd, !ByteScanning.isBlank(buffer[index]), buffer[index] != UInt8(ascii: "{") { index &+= 1 }
        guard index > valueStart else {
            throw error(
                at: valueStart,
                "expected value after metric, got \(quoted(buffer, valueStart..<tokenEnd(buffer, valueStart)))"
            )
        }
        sampleValue = try number(buffer, valueStart..<index, .prometheusValue)
        skipBlanks(buffer, &index)
        sampleTimestamp = nil
        if index < lineEnd {
            let timestampStart = index
            while index < lineEnd, ByteScanning.isDigit(buffer[index]) { index &+= 1 }
            guard index > timestampStart else {
                throw error(
                    at: timestampStart,
                    "expected timestamp or new record, got \(quoted(buffer, timestampStart..<tokenEnd(buffer, timestampStart)))"
                )
            }
            guard let milliseconds = NumberSyntax.parseMillisecondTimestamp(buffer, timestampStart..<index) else {
                throw error(at: timestampStart, "timestamp \(quoted(buffer, timestampStart..<index)) is out of range")
            }
            sampleTimestamp = milliseconds
            skipBlanks(buffer, &index)
            guard index == lineEnd else {
                throw error(at: index, "expected next entry after timestamp, got \(quoted(buffer, index..<lineEnd))")
            }
        }
        try checkLimits(buffer)
    }

    private mutating func prometheusTextLabels(
        _ buffer: UnsafeBufferPointer<UInt8>,
        _ index: inout Int
    ) throws(ExpositionError) {
        skipBlanks(buffer, &index)
        while true {
            guard index < lineEnd else { throw error(at: index, "expected label name, got end of line") }
            if buffer[index] == UInt8(ascii: "}") {
                index &+= 1
                return
            }
            let nameStart = index
            if ByteScanning.isNameStart(buffer[index]) {
                index &+= 1
                while index < lineEnd, ByteScanning.isLabelNameByte(buffer[index]) { index &+= 1 }
            }
            guard index > nameStart else {
                throw error(
                    at: nameStart,
                    "expected label name, got \(quoted(buffer, nameStart..<tokenEnd(buffer, nameStart)))"
                )
            }
            let nameEnd = index
            skipBlanks(buffer, &index)
            guard index < lineEnd, buffer[index] == UInt8(ascii: "=") else {
                throw error(at: index, "expected equal, got \(quoted(buffer, index..<tokenEnd(buffer, index)))")
            }
            index &+= 1
            skipBlanks(buffer, &index)
            var span = try quotedLabelValue(buffer, &index, nameStart: nameStart, nameEnd: nameEnd)
            guard ByteScanning.isValidUTF8(buffer, span.valueRange) else {
                throw error(at: span.valueStart, "invalid UTF-8 label value")
            }
            span.nameEnd = nameEnd
            labelSpans.append(span)
            skipBlanks(buffer, &index)
            // A trailing comma before `}` is allowed in text 0.0.4.
            if index < lineEnd, buffer[index] == UInt8(ascii: ",") {
                index &+= 1
                skipBlanks(buffer, &index)
            }
        }
    }

    /// Lexes `"…"` with backslash escapes at `index`, leaving `index` after the closing quote.
    func quotedLabelValue(
        _ buffer: UnsafeBufferPointer<UInt8>,
        _ index: inout Int,
        nameStart: Int,
        nameEnd: Int
    ) throws(ExpositionError) -> LabelSpan {
        guard index < lineEnd, buffer[index] == UInt8(ascii: "\"") else {
            throw error(at: index, "expected label value, got \(quoted(buffer, index..<tokenEnd(buffer, index)))")
        }
        let valueStart = index &+ 1
        var cursor = valueStart
        while true {
            let quote = ByteScanning.firstIndex(of: UInt8(ascii: "\""), in: buffer, from: cursor, end: lineEnd)
            guard quote < lineEnd else {
                throw error(at: index, "unterminated label value \(quoted(buffer, index..<lineEnd))")
            }
            // An odd run of backslashes before the quote escapes it.
            var back = quote
            while back > valueStart, buffer[back &- 1] == UInt8(ascii: "\\") { back &-= 1 }
            if (quote &- back) & 1 == 0 {
                let escaped =
                    ByteScanning.firstIndex(of: UInt8(ascii: "\\"), in: buffer, from: valueStart, end: quote) < quote
                index = quote &+ 1
                return LabelSpan(
                    nameStart: nameStart,
                    nameEnd: nameEnd,
                    valueStart: valueStart,
                    valueEnd: quote,
                    isEscaped: escaped
                )
            }
            cursor = quote &+ 1
        }
    }

    @inline(__always)
    func skipBlanks(_ buffer: UnsafeBufferPointer<UInt8>, _ index: inout Int) {
        while index < lineEnd, ByteScanning.isBlank(buffer[index]) { index &+= 1 }
    }

    /// The end of the token at `index`, for quoting it in an error.
    func tokenEnd(_ buffer: UnsafeBufferPointer<UInt8>, _ index: Int) -> Int {
        var end = index
        while end < lineEnd, !ByteScanning.isBlank(buffer[end]) { end &+= 1 }
        return Swift.max(end, Swift.min(index &+ 1, lineEnd))
    }

    func number(
        _ buffer: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        _ dialect: NumberSyntax.Dialect
    ) throws(ExpositionError) -> Double {
        switch NumberSyntax.parse(buffer, range, dialect) {
        case .value(let value): return value
        case .outOfRange: throw error(at: range.lowerBound, "value \(quoted(buffer, range)) is out of range")
        case .invalid:
            let what = dialect == .openMetricsTimestamp ? "timestamp" : "value"
            throw error(at: range.lowerBound, "invalid \(what) \(quoted(buffer, range))")
        }
    }

    /// Applies ``ExpositionLimits`` to the lexed series, with Prometheus's wording; `__name__` counts.
    func checkLimits(_ buffer: UnsafeBufferPointer<UInt8>) throws(ExpositionError) {
        if limits.maxLabels > 0, labelSpans.count + 1 > limits.maxLabels {
            throw error(
                at: seriesRange.lowerBound,
                "label_limit exceeded (metric: \(quoted(buffer, nameRange)), number of labels: \(labelSpans.count + 1), limit: \(limits.maxLabels))"
            )
        }
        if limits.maxLabelValueBytes > 0, nameRange.count > limits.maxLabelValueBytes {
            throw error(
                at: nameRange.lowerBound,
                "label_value_length_limit exceeded (metric: \(quoted(buffer, nameRange)), label name: __name__, length: \(nameRange.count), limit: \(limits.maxLabelValueBytes))"
            )
        }
        for span in labelSpans {
            if limits.maxLabelNameBytes > 0, span.nameRange.count > limits.maxLabelNameBytes {
                throw error(
                    at: span.nameStart,
                    "label_name_length_limit exceeded (metric: \(quoted(buffer, nameRange)), label: \(quoted(buffer, span.nameRange)), name length: \(span.nameRange.count), limit: \(limits.maxLabelNameBytes))"
                )
            }
            if limits.maxLabelValueBytes > 0, span.valueRange.count > limits.maxLabelValueBytes {
                throw error(
                    at: span.valueStart,
                    "label_value_length_limit exceeded (metric: \(quoted(buffer, nameRange)), label name: \(quoted(buffer, span.nameRange)), length: \(span.valueRange.count), limit: \(limits.maxLabelValueBytes))"
                )
            }
        }
        // Prometheus refuses a scrape with a label name twice in one series.
        if labelSpans.count > 1 {
            for (position, span) in labelSpans.enumerated() {
                for other in labelSpans[(position + 1)...] where other.nameRange.count == span.nameRange.count {
                    if ByteScanning.equal(
                        UnsafeRawPointer(buffer.baseAddress! + span.nameStart),
                        UnsafeRawPointer(buffer.baseAddress! + other.nameStart),
                        count: span.nameRange.count
                    ) {
                        throw error(at: other.nameStart, "duplicate label name \(quoted(buffer, other.nameRange))")
                    }
                }
            }
        }
    }
}
