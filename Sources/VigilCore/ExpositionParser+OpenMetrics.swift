/// OpenMetrics 1.0.0 text, exactly as its ABNF and the reference parser read it: single spaces between
/// tokens, no blank lines, no free comments, `# HELP`/`# TYPE`/`# UNIT`, exemplars, real-number
/// timestamps in seconds, and a final `# EOF`. Family-level rules live in ``OpenMetricsFamilyValidator``,
/// which reading as Prometheus does (``OpenMetricsReading/prometheus``) leaves out.
extension ExpositionParser {
    mutating func openMetricsLine(
        _ buffer: UnsafeBufferPointer<UInt8>,
        terminated: Bool,
        cache: SeriesCache?
    ) throws(ExpositionError) -> Entry? {
        if sawEOF {
            throw error(at: lineStart, "unexpected text after \"# EOF\": \(quoted(buffer, lineStart..<lineEnd))")
        }
        guard lineEnd > lineStart else { throw error(at: lineStart, "blank lines are not allowed in OpenMetrics") }
        guard ByteScanning.isValidUTF8(buffer, lineStart..<lineEnd) else {
            throw error(at: lineStart, "line is not valid UTF-8")
        }
        guard buffer[lineStart] == UInt8(ascii: "#") else {
            try openMetricsSample(buffer)
            if cache != nil { resolveSeries(buffer, in: cache.unsafelyUnwrapped) }  // no retain per line
            return .sample
        }
        if lineEnd &- lineStart == 5, matches(buffer, lineStart, "# EOF") {
            sawEOF = true
            return nil
        }
        return try openMetricsMetadata(buffer)
    }

    private mutating func openMetricsMetadata(_ buffer: UnsafeBufferPointer<UInt8>) throws(ExpositionError) -> Entry {
        let keywordStart = lineStart &+ 2
        let kind: Entry
        if matches(buffer, lineStart, "# HELP ") {
            kind = .help
        } else if matches(buffer, lineStart, "# TYPE ") {
            kind = .type
        } else if matches(buffer, lineStart, "# UNIT ") {
            kind = .unit
        } else {
            throw error(
                at: lineStart,
                "expected \"# HELP\", \"# TYPE\", \"# UNIT\" or \"# EOF\" (OpenMetrics has no free comments), got \(quoted(buffer, lineStart..<lineEnd))"
            )
        }
        var index = keywordStart &+ 5
        let nameStart = index
        if index < lineEnd, ByteScanning.isMetricNameStart(buffer[index]) {
            index &+= 1
            while index < lineEnd, ByteScanning.isMetricNameByte(buffer[index]) { index &+= 1 }
        }
        guard index > nameStart else {
            throw error(
                at: nameStart,
                "expected metric name, got \(quoted(buffer, nameStart..<tokenEnd(buffer, nameStart)))"
            )
        }
        guard index < lineEnd, buffer[index] == UInt8(ascii: " ") else {
            let got = index < lineEnd ? quoted(buffer, index..<index &+ 1) : "end of line"
            throw error(at: index, "expected a space after the metric name, got \(got)")
        }
        nameRange = nameStart..<index
        textRange = (index &+ 1)..<lineEnd
        entry = kind
        switch kind {
        case .type:
            let typeWord = Substring(decoding: UnsafeBufferPointer(rebasing: buffer[textRange]), as: UTF8.self)
            guard let type = MetricType(typeWord: typeWord, format: .openMetrics) else {
                throw error(at: textRange.lowerBound, "invalid metric type \(quoted(buffer, textRange))")
            }
            declare(type, family: UnsafeBufferPointer(rebasing: buffer[nameRange]))
        case .unit:
            for position in textRange where !ByteScanning.isMetricNameByte(buffer[position]) {
                throw error(at: position, "invalid unit \(quoted(buffer, textRange))")
            }
            // The family validator judges the unit against the family; Prometheus judges it here.
            if reading == .prometheus, !textRange.isEmpty,
                !OpenMetricsFamilyValidator.unit(buffer[textRange], ends: buffer[nameRange])
            {
                throw error(
                    at: textRange.lowerBound,
                    "unit \(quoted(buffer, textRange)) is not a suffix of the metric name \(quoted(buffer, nameRange))"
                )
            }
        default:
            break
        }
        // The family validator, when the specification is read: out of the parser while it reads the
        // parser; only an error (which is sticky) leaves it out.
        if reading == .specification {
            guard var validator = familyValidator.take() else { throw error(at: lineStart, "the parse already failed") }
            try validator.observeMetadata(buffer, self)
            familyValidator = validator
        }
        return kind
    }

    private mutating func openMetricsSample(_ buffer: UnsafeBufferPointer<UInt8>) throws(ExpositionError) {
        entry = .sample
        hasExemplar = false
        labelsLexed = true
        seriesReference = nil
        var index = lineStart
        if ByteScanning.isMetricNameStart(buffer[index]) {
            index &+= 1
            while index < lineEnd, ByteScanning.isMetricNameByte(buffer[index]) { index &+= 1 }
        }
        guard index > lineStart else {
            throw error(at: lineStart, "invalid metric name \(quoted(buffer, lineStart..<tokenEnd(buffer, lineStart)))")
        }
        nameRange = lineStart..<index
        labelSpans.removeAll(keepingCapacity: true)
        if index < lineEnd, buffer[index] == UInt8(ascii: "{") {
            try openMetricsLabels(buffer, &index, into: &labelSpans, refusingRepeats: true)
            // `openMetricsLabels` compared the first labels as it read them; a larger set is sorted here.
            if labelSpans.count > Self.pairwiseLabelLimit {
                try checkRepeatedLabels(buffer, labelSpans, firstRepeat: true)
            }
            try checkNoNameLabel(buffer)
        }
        seriesRange = lineStart..<index
        try expectSpace(buffer, &index, before: "value")
        let valueRange = spaceDelimitedToken(buffer, &index)
        sampleValue = try number(buffer, valueRange, valueDialect)
        openMetricsTimestamp = nil
        sampleTimestamp = nil
        if index < lineEnd {
            try expectSpace(buffer, &index, before: "timestamp or exemplar")
            if buffer[index] != UInt8(ascii: "#") {
                let timestampRange = spaceDelimitedToken(buffer, &index)
                let seconds = try number(buffer, timestampRange, .openMetricsTimestamp)
                openMetricsTimestamp = seconds
                sampleTimestamp = Self.milliseconds(seconds)
                if index < lineEnd { try expectSpace(buffer, &index, before: "exemplar") }
            }
            if index < lineEnd { try openMetricsExemplar(buffer, &index) }
        }
        if reading == .specification {
            guard var validator = familyValidator.take() else { throw error(at: lineStart, "the parse already failed") }
            try validator.observeSample(buffer, self)
            familyValidator = validator
        }
    }

    private mutating func openMetricsExemplar(
        _ buffer: UnsafeBufferPointer<UInt8>,
        _ index: inout Int
    ) throws(ExpositionError) {
        guard matches(buffer, index, "# {") else {
            throw error(at: index, "expected exemplar \"# {…}\", got \(quoted(buffer, index..<lineEnd))")
        }
        index &+= 2
        exemplarSpans.removeAll(keepingCapacity: true)
        let labelsStart = index
        // Prometheus judges neither the length of an exemplar's labels nor a repeated name in them: its
        // storage drops such an exemplar, and the scrape goes on.
        let specification = reading == .specification
        try openMetricsLabels(buffer, &index, into: &exemplarSpans, refusingRepeats: specification)
        if specification {
            var length = 0
            for span in exemplarSpans {
                length += span.nameRange.count + LabelText.unescapedScalarCount(buffer, span.valueRange)
            }
            if length > 128 {
                throw error(
                    at: labelsStart,
                    "exemplar labels are \(length) characters long, over the OpenMetrics limit of 128"
                )
            }
            // After the length limit, which is linear and leaves at most 128 labels to sort.
            if exemplarSpans.count > Self.pairwiseLabelLimit {
                try checkRepeatedLabels(buffer, exemplarSpans, firstRepeat: true)
            }
        }
        try expectSpace(buffer, &index, before: "exemplar value")
        exemplarValue = try number(buffer, spaceDelimitedToken(buffer, &index), valueDialect)
        exemplarTimestamp = nil
        if index < lineEnd {
            try expectSpace(buffer, &index, before: "exemplar timestamp")
            let timestampRange = spaceDelimitedToken(buffer, &index)
            exemplarTimestamp = try number(buffer, timestampRange, .openMetricsTimestamp)
            if index < lineEnd {
                throw error(at: index, "unexpected text after exemplar timestamp: \(quoted(buffer, index..<lineEnd))")
            }
        }
        hasExemplar = true
    }

    /// `{name="value",…}` with no blanks, and a trailing comma only as Prometheus reads it; `index`
    /// starts at `{`. With `refusingRepeats`, the first labels are checked for a repeated name as they are
    /// read (the caller sorts a larger set).
    private func openMetricsLabels(
        _ buffer: UnsafeBufferPointer<UInt8>,
        _ index: inout Int,
        into spans: inout [LabelSpan],
        refusingRepeats: Bool
    ) throws(ExpositionError) {
        index &+= 1
        if index < lineEnd, buffer[index] == UInt8(ascii: "}") {
            index &+= 1
            return
        }
        while true {
            let nameStart = index
            if index < lineEnd, ByteScanning.isNameStart(buffer[index]) {
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
            guard index < lineEnd, buffer[index] == UInt8(ascii: "=") else {
                throw error(
                    at: index,
                    "expected \"=\" after label name, got \(quoted(buffer, index..<tokenEnd(buffer, index)))"
                )
            }
            index &+= 1
            let span = try quotedLabelValue(buffer, &index, nameStart: nameStart, nameEnd: nameEnd)
            // Each of the first `pairwiseLabelLimit` labels is compared with those before it as it is read;
            // past them, comparing every pair would cost n², and the caller sorts the whole set instead.
            if refusingRepeats, spans.count < Self.pairwiseLabelLimit,
                spans.contains(where: { Self.sameName(buffer, $0, span) })
            {
                throw error(at: nameStart, "duplicate label name \(quoted(buffer, span.nameRange))")
            }
            spans.append(span)
            guard index < lineEnd else { throw error(at: index, "expected \",\" or \"}\", got end of line") }
            if buffer[index] == UInt8(ascii: "}") {
                index &+= 1
                return
            }
            guard buffer[index] == UInt8(ascii: ",") else {
                throw error(
                    at: index,
                    "expected \",\" or \"}\", got \(quoted(buffer, index..<tokenEnd(buffer, index)))"
                )
            }
            index &+= 1
            if reading == .prometheus, index < lineEnd, buffer[index] == UInt8(ascii: "}") {
                index &+= 1
                return
            }
        }
    }

    /// Values as OpenMetrics's ABNF has them (an overflow is infinite, as the reference parser's `float()`
    /// reads it), or as Prometheus's scraper does (Go's `ParseFloat`: an overflow is an error).
    private var valueDialect: NumberSyntax.Dialect {
        reading == .specification ? .openMetricsValue : .prometheusValue
    }

    private func expectSpace(
        _ buffer: UnsafeBufferPointer<UInt8>,
        _ index: inout Int,
        before what: String
    ) throws(ExpositionError) {
        guard index < lineEnd else { throw error(at: index, "expected a space and \(what), got end of line") }
        guard buffer[index] == UInt8(ascii: " ") else {
            throw error(
                at: index,
                "expected a space before \(what), got \(quoted(buffer, index..<tokenEnd(buffer, index)))"
            )
        }
        index &+= 1
        guard index < lineEnd, buffer[index] != UInt8(ascii: " ") else {
            throw error(
                at: index,
                "expected \(what) after a single space, got \(index < lineEnd ? "another space" : "end of line")"
            )
        }
    }

    private func spaceDelimitedToken(_ buffer: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Range<Int> {
        let start = index
        index = ByteScanning.firstIndex(of: UInt8(ascii: " "), in: buffer, from: index, end: lineEnd)
        return start..<index
    }

    /// Seconds to Prometheus's integer milliseconds, saturating far outside Int64's range.
    static func milliseconds(_ seconds: Double) -> Int64 {
        let value = (seconds * 1000).rounded(.towardZero)
        if value >= 9.2e18 { return .max }
        if value <= -9.2e18 { return .min }
        return Int64(value)
    }
}
