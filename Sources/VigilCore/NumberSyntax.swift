/// Number grammars of the two formats, parsed straight from bytes.
///
/// Text 0.0.4 takes what Prometheus 2.x takes: Go's `strconv.ParseFloat` without hex, `p` exponents or
/// underscores, so `Inf`, `+Infinity`, `nan` in any case, and an error on overflow (`1e400`).
/// OpenMetrics takes its ABNF `number`: a decimal real, `[sign] inf|infinity` or `nan`, case-insensitive.
enum NumberSyntax {
    enum Dialect {
        /// Prometheus 2.x text 0.0.4 sample values.
        case prometheusValue
        /// OpenMetrics sample and exemplar values.
        case openMetricsValue
        /// OpenMetrics timestamps: a finite real number only.
        case openMetricsTimestamp
    }

    enum Outcome: Equatable {
        case value(Double)
        case invalid
        case outOfRange
    }

    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Parses `bytes[range]` as a number of `dialect`.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ dialect: Dialect) -> Outcome {
        var index = range.lowerBound
        let end = range.upperBound
        guard index < end else { return .invalid }
        var negative = false
        let first = bytes[index]
        if first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            negative = first == UInt8(ascii: "-")
            index &+= 1
            guard index < end else { return .invalid }
        }
        // Specials start with a letter; real numbers never do.
        let lead = bytes[index] | 0x20
        if lead == UInt8(ascii: "i") || lead == UInt8(ascii: "n") {
            guard dialect != .openMetricsTimestamp else { return .invalid }
            if matchesIgnoringCase(bytes, index..<end, "inf") || matchesIgnoringCase(bytes, index..<end, "infinity") {
                return .value(negative ? -.infinity : .infinity)
            }
            // Neither Go nor the OpenMetrics grammar takes a signed NaN.
            if index == range.lowerBound, matchesIgnoringCase(bytes, index..<end, "nan") {
                return .value(.nan)
            }
            return .invalid
        }

        var mantissa: UInt64 = 0
        var significantDigits = 0
        var decimalExponent = 0
        var sawDigit = false
        var exact = true
        while index < end, ByteScanning.isDigit(bytes[index]) {
            sawDigit = true
            accumulate(bytes[index], &mantissa, &significantDigits, &decimalExponent, &exact, fractional: false)
            index &+= 1
        }
        if index < end, bytes[index] == UInt8(ascii: ".") {
            index &+= 1
            while index < end, ByteScanning.isDigit(bytes[index]) {
                sawDigit = true
                accumulate(bytes[index], &mantissa, &significantDigits, &decimalExponent, &exact, fractional: true)
                index &+= 1
            }
        }
        guard sawDigit else { return .invalid }
        var exponent = 0
        if index < end, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index &+= 1
            var exponentNegative = false
            if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index &+= 1
            }
            var sawExponentDigit = false
            while index < end, ByteScanning.isDigit(bytes[index]) {
                sawExponentDigit = true
                if exponent < 100_000 { exponent = exponent &* 10 &+ Int(bytes[index] &- UInt8(ascii: "0")) }
                index &+= 1
            }
            guard sawExponentDigit else { return .invalid }
            if exponentNegative { exponent = -exponent }
        }
        guard index == end else { return .invalid }

        let totalExponent = decimalExponent &+ exponent
        var magnitude: Double
        if exact, mantissa <= 1 << 53, totalExponent >= -22, totalExponent <= 22 {
            // Clinger's fast path: both operands are exact doubles, so one IEEE operation rounds correctly.
            magnitude = Double(mantissa)
            if totalExponent >= 0 {
                magnitude *= exactPowersOfTen[totalExponent]
            } else {
                magnitude /= exactPowersOfTen[-totalExponent]
            }
        } else if mantissa == 0 && exact {
            magnitude = 0
        } else if exact, let wide = wideExact(mantissa: mantissa, exponent: totalExponent) {
            magnitude = wide
        } else {
            // Rare: long mantissas or large exponents. The text is already validated; let the
            // correctly-rounding stdlib conversion do the arithmetic.
            let digits = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            guard let converted = Double(digits) else { return .invalid }
            magnitude = converted.magnitude
        }
        // Go's ParseFloat fails on overflow, and Prometheus refuses an OpenMetrics timestamp that
        // overflows to infinity; only an OpenMetrics value may be one (the reference parser's `float()`).
        if magnitude.isInfinite, dialect != .openMetricsValue { return .outOfRange }
        return .value(negative ? -magnitude : magnitude)
    }

    /// Exact conversion of mantissa · 10^exponent for 64-bit mantissas the Clinger path cannot take
    /// (17–19 significant digits, as Go and Python print full-precision floats), without allocating.
    /// 128-bit integer arithmetic keeps at least 55 significant bits plus a sticky bit, so the one
    /// rounding, in the conversion to Double, is correct. Nil outside the range it can do exactly.
    static func wideExact(mantissa: UInt64, exponent: Int) -> Double? {
        if exponent >= 0 {
            guard exponent <= 19 else { return nil }
            let (product, overflow) = UInt128(mantissa).multipliedReportingOverflow(by: powerOfTen(exponent))
            return overflow ? nil : Double(product)
        }
        // 10^21 < 2^70, so with the numerator scaled to ≥ 2^126 the quotient keeps ≥ 56 bits.
        guard exponent >= -21 else { return nil }
        let shift = mantissa.leadingZeroBitCount + 62
        let numerator = UInt128(mantissa) << shift
        let (quotient, remainder) = numerator.quotientAndRemainder(dividingBy: powerOfTen(-exponent))
        let sticky = quotient | (remainder == 0 ? 0 : 1)
        return Double(sticky) * Double(sign: .plus, exponent: -shift, significand: 1)
    }

    private static func powerOfTen(_ exponent: Int) -> UInt128 {
        var result: UInt128 = 1
        for _ in 0..<exponent { result &*= 10 }
        return result
    }

    @inline(__always)
    private static func accumulate(
        _ digit: UInt8,
        _ mantissa: inout UInt64,
        _ significantDigits: inout Int,
        _ decimalExponent: inout Int,
        _ exact: inout Bool,
        fractional: Bool
    ) {
        let value = UInt64(digit &- UInt8(ascii: "0"))
        if significantDigits == 0 && value == 0 {
            // Leading zeros carry no precision; in the fraction they still shift the exponent.
            if fractional { decimalExponent &-= 1 }
            return
        }
        if significantDigits < 19 {
            mantissa = mantissa &* 10 &+ value
            significantDigits &+= 1
            if fractional { decimalExponent &-= 1 }
        } else {
            // Digits past 19 no longer fit: note it and fall back to the slow path.
            if value != 0 { exact = false }
            if !fractional { decimalExponent &+= 1 }
        }
    }

    private static func matchesIgnoringCase(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        _ word: StaticString
    ) -> Bool {
        guard range.count == word.utf8CodeUnitCount else { return false }
        let pointer = word.utf8Start
        for offset in 0..<range.count where bytes[range.lowerBound &+ offset] | 0x20 != pointer[offset] {
            return false
        }
        return true
    }

    /// Parses text 0.0.4's timestamp: decimal digits (Prometheus's lexer takes no sign), within Int64.
    static func parseMillisecondTimestamp(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int64? {
        guard !range.isEmpty else { return nil }
        var result: Int64 = 0
        for index in range {
            let byte = bytes[index]
            guard ByteScanning.isDigit(byte) else { return nil }
            let (times10, overflow1) = result.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(byte &- UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            result = sum
        }
        return result
    }
}
