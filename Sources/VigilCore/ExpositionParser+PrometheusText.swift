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
        if buffer[index] == UInt8(ascii: "#") {
            return try prometheusTextComment(buffer, from: index &+ 1, terminated: terminated)
        }
        guard terminated else { throw unterminatedLine() }
        // `unsafelyUnwrapped` after the nil check, not `if let`: the binding cost a retain and a
        // release of the cache per line (the caller keeps the cache alive throughout).
        if cache != nil, fastSample(buffer, cache: cache.unsafelyUnwrapped) { return .sample }
        try prometheusTextSample(buffer, from: index)
        if cache != nil { resolveSeries(buffer, in: cache.unsafelyUnwrapped) }
        return .sample
    }

    private mutating func prometheusTextComment(
        _ buffer: UnsafeBufferPointer<UInt8>,
        from start: Int,
        terminated: Bool
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
            // A free comment may end the body without a line break, as Prometheus's lexer reads one to
            // the end of the input (`consumeComment`): cutting one short loses no sample or metadata.
            entry = .comment
            textRange = start..<lineEnd
            return .comment
        }
        // HELP and TYPE are records, like samples: without the line break the body may have been cut off
        // inside the line.
        guard terminated else { throw unterminatedLine() }
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
            declare(type, family: UnsafeBufferPointer(rebasing: buffer[nameRange]))
        } else if !ByteScanning.isValidUTF8(buffer, textRange) {
            throw error(at: textRange.lowerBound, "help text is not valid UTF-8")
        }
        return keyword
    }

    /// The error for a last line that needs a line break and has none.
    func unterminatedLine() -> ExpositionError {
        error(at: lineEnd, "unexpected end of input: the last line must end with a line break")
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
        // Prometheus refuses a scrape with a label name twice in one series.
        try checkRepeatedLabels(buffer, labelSpans, firstRepeat: false)
        try checkNoNameLabel(buffer)
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
        // Named only for an error: a number parsed is the hot path.
        func what() -> String { dialect == .openMetricsTimestamp ? "timestamp" : "value" }
        switch NumberSyntax.parse(buffer, range, dialect) {
        case .value(let value): return value
        case .outOfRange: throw error(at: range.lowerBound, "\(what()) \(quoted(buffer, range)) is out of range")
        case .invalid: throw error(at: range.lowerBound, "invalid \(what()) \(quoted(buffer, range))")
        }
    }

    /// Label sets up to this size are checked for a repeated name pair by pair: no allocation, and the
    /// fastest way for the handful of labels real series carry. Larger sets are sorted instead, since
    /// comparing every pair made one 1 MB line of 100,000 labels cost billions of comparisons.
    static let pairwiseLabelLimit = 16

    /// Refuses a label name given twice in `spans` (the labels of one series or one exemplar), at the
    /// repeat. `firstRepeat` picks the earliest label whose name came before it, the one a check made as
    /// each label is lexed meets first (OpenMetrics); otherwise the repeat of the earliest name that has
    /// one, the one a check made after lexing has always reported (text 0.0.4). Either way the same label
    /// however many there are, so the error does not change with the size of the set.
    func checkRepeatedLabels(
        _ buffer: UnsafeBufferPointer<UInt8>,
        _ spans: [LabelSpan],
        firstRepeat: Bool
    ) throws(ExpositionError) {
        guard spans.count > 1, let repeated = Self.repeatedLabel(buffer, spans, firstRepeat: firstRepeat) else {
            return
        }
        throw error(at: spans[repeated].nameStart, "duplicate label name \(quoted(buffer, spans[repeated].nameRange))")
    }

    /// Refuses `__name__` inside the braces: the metric name before them sets it already, so the series
    /// would carry two (and Vigil's own `/metrics` would write it with two `metric` labels). Prometheus
    /// fails the scrape for it (`label name "__name__" is not unique`).
    func checkNoNameLabel(_ buffer: UnsafeBufferPointer<UInt8>) throws(ExpositionError) {
        for span in labelSpans where span.nameRange.count == 8 && matches(buffer, span.nameStart, "__name__") {
            throw error(
                at: span.nameStart,
                "duplicate label name \"__name__\": the metric name \(quoted(buffer, nameRange)) already sets it"
            )
        }
    }

    /// The position in `spans` of the label ``checkRepeatedLabels(_:_:firstRepeat:)`` reports, or nil when
    /// every name differs.
    static func repeatedLabel(
        _ buffer: UnsafeBufferPointer<UInt8>,
        _ spans: [LabelSpan],
        firstRepeat: Bool
    ) -> Int? {
        let count = spans.count
        guard count > 1 else { return nil }
        func same(_ lhs: Int, _ rhs: Int) -> Bool { sameName(buffer, spans[lhs], spans[rhs]) }
        if count <= pairwiseLabelLimit {
            if firstRepeat {
                for later in 1..<count {
                    for earlier in 0..<later where same(earlier, later) { return later }
                }
            } else {
                for earlier in 0..<(count &- 1) {
                    for later in (earlier &+ 1)..<count where same(earlier, later) { return later }
                }
            }
            return nil
        }
        // Positions sorted by name, then by position: each name's labels form one run in the order
        // written. The positions live on the stack unless the set is very large (the runtime decides).
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: count) { order in
            for position in 0..<count { order.initializeElement(at: position, to: position) }
            heapSort(order) { lhs, rhs in
                let left = spans[lhs].nameRange
                let right = spans[rhs].nameRange
                if left.count != right.count { return left.count < right.count }
                for offset in 0..<left.count {
                    let leftByte = buffer[left.lowerBound &+ offset]
                    let rightByte = buffer[right.lowerBound &+ offset]
                    if leftByte != rightByte { return leftByte < rightByte }
                }
                return lhs < rhs
            }
            // A run's first two members are its name's first label and first repeat.
            var found: (earlier: Int, later: Int)? = nil
            var runStart = 0
            for index in 1..<count {
                guard same(order[index &- 1], order[index]) else {
                    runStart = index
                    continue
                }
                guard index == runStart &+ 1 else { continue }
                let earlier = order[runStart]
                let later = order[index]
                if let best = found, firstRepeat ? (best.later < later) : (best.earlier < earlier) { continue }
                found = (earlier: earlier, later: later)
            }
            return found?.later
        }
    }

    /// Whether two labels have the same name, byte for byte.
    static func sameName(_ buffer: UnsafeBufferPointer<UInt8>, _ lhs: LabelSpan, _ rhs: LabelSpan) -> Bool {
        lhs.nameRange.count == rhs.nameRange.count
            && ByteScanning.equal(
                UnsafeRawPointer(buffer.baseAddress! + lhs.nameStart),
                UnsafeRawPointer(buffer.baseAddress! + rhs.nameStart),
                count: lhs.nameRange.count
            )
    }

    /// Sorts `order` in place by `precedes`: heapsort, at most n log n comparisons whatever the input,
    /// and no allocation.
    private static func heapSort(_ order: UnsafeMutableBufferPointer<Int>, by precedes: (Int, Int) -> Bool) {
        var start = order.count / 2
        while start > 0 {
            start &-= 1
            siftDown(order, from: start, end: order.count, by: precedes)
        }
        var end = order.count
        while end > 1 {
            end &-= 1
            order.swapAt(0, end)
            siftDown(order, from: 0, end: end, by: precedes)
        }
    }

    /// Moves `order[start]` down the max-heap `order[..<end]` to where neither child follows it.
    private static func siftDown(
        _ order: UnsafeMutableBufferPointer<Int>,
        from start: Int,
        end: Int,
        by precedes: (Int, Int) -> Bool
    ) {
        var parent = start
        while true {
            var child = parent &* 2 &+ 1
            guard child < end else { return }
            if child &+ 1 < end, precedes(order[child], order[child &+ 1]) { child &+= 1 }
            guard precedes(order[parent], order[child]) else { return }
            order.swapAt(parent, child)
            parent = child
        }
    }
}
