import Testing

@testable import VigilCore

/// The number grammars, one line per case.
struct NumberSyntaxTests {
    static func parse(_ text: String, _ dialect: NumberSyntax.Dialect) -> NumberSyntax.Outcome {
        Array(text.utf8).withUnsafeBufferPointer { NumberSyntax.parse($0, 0..<$0.count, dialect) }
    }

    static let cases: [(String, NumberSyntax.Dialect, NumberSyntax.Outcome)] = [
        ("0", .prometheusValue, .value(0)),
        ("-0.5", .prometheusValue, .value(-0.5)),
        ("1.7976931348623157e308", .prometheusValue, .value(.greatestFiniteMagnitude)),
        ("2e308", .prometheusValue, .outOfRange),  // Go's ErrRange
        ("2e308", .openMetricsValue, .value(.infinity)),  // the reference parser's float() gives inf
        ("4.9e-324", .prometheusValue, .value(.leastNonzeroMagnitude)),
        ("1e-400", .prometheusValue, .value(0)),  // underflow is not an error in Go
        ("0.1", .prometheusValue, .value(0.1)),
        ("123456789012345678901234567890", .prometheusValue, .value(1.2345678901234568e29)),  // slow path
        ("0.000000000000000000000000000001", .openMetricsValue, .value(1e-30)),
        ("9007199254740993", .prometheusValue, .value(9_007_199_254_740_992)),  // rounds to even
        ("+Inf", .openMetricsValue, .value(.infinity)),
        ("-infinity", .openMetricsValue, .value(-.infinity)),
        ("iNf", .prometheusValue, .value(.infinity)),
        ("infin", .prometheusValue, .invalid),
        ("Inf", .openMetricsTimestamp, .invalid),
        ("NaN", .openMetricsTimestamp, .invalid),
        ("1.5e3", .openMetricsTimestamp, .value(1500)),
        ("1e999", .openMetricsTimestamp, .outOfRange),  // Prometheus refuses an infinite timestamp
        ("-1e999", .openMetricsTimestamp, .outOfRange),
        ("1e999", .openMetricsValue, .value(.infinity)),  // values keep overflowing to infinity
        ("", .prometheusValue, .invalid),
        ("-", .prometheusValue, .invalid),
        (".", .prometheusValue, .invalid),
        ("1e", .prometheusValue, .invalid),
        ("1e+", .prometheusValue, .invalid),
        ("1.2.3", .prometheusValue, .invalid),
        ("0x10", .prometheusValue, .invalid),
        (" 1", .prometheusValue, .invalid),
        ("1 ", .openMetricsValue, .invalid),
    ]

    @Test(arguments: cases.indices)
    func parses(_ index: Int) {
        let (text, dialect, expected) = Self.cases[index]
        let outcome = Self.parse(text, dialect)
        if case .value(let expectedValue) = expected, expectedValue.isNaN {
            guard case .value(let value) = outcome else {
                Issue.record("\(text): \(outcome)")
                return
            }
            #expect(value.isNaN)
        } else {
            #expect(outcome == expected, "\(text) as \(dialect)")
        }
    }

    @Test func nanParsesInBothValueDialects() {
        for dialect in [NumberSyntax.Dialect.prometheusValue, .openMetricsValue] {
            guard case .value(let value) = Self.parse("nan", dialect) else {
                Issue.record("nan rejected as \(dialect)")
                continue
            }
            #expect(value.isNaN)
        }
    }

    /// Random decimals must round exactly as the stdlib's correctly rounded parse: up to 16 digits with
    /// exponents in ±30 exercise Clinger's fast path, 17–19 digits with exponents in [−21, 19] the
    /// 128-bit path (halfway cases included).
    @Test(arguments: [
        (UInt64(42), UInt64(10_000_000_000_000_000), -30...29),
        (UInt64(7), UInt64(10_000_000_000_000_000_000), -21...19),
    ])
    func randomDecimalsRoundCorrectly(_ seed: UInt64, _ mantissaBelow: UInt64, _ exponents: ClosedRange<Int>) {
        var random = SplitMix(state: seed)
        for _ in 0..<30_000 {
            let mantissa = random.next() % mantissaBelow
            let exponent = exponents.lowerBound + Int(random.next() % UInt64(exponents.count))
            let text = "\(mantissa)e\(exponent)"
            #expect(Self.parse(text, .prometheusValue) == .value(Double(text)!), "\(text)")
        }
    }

    @Test(arguments: ["0.013300656000000001", "452.56799999999998", "9007199254740993", "18446744073709551615"])
    func fullPrecisionFloatsRoundCorrectly(_ text: String) {
        #expect(Self.parse(text, .prometheusValue) == .value(Double(text)!))
    }

    @Test func millisecondTimestamps() {
        func parse(_ text: String) -> Int64? {
            Array(text.utf8).withUnsafeBufferPointer { NumberSyntax.parseMillisecondTimestamp($0, 0..<$0.count) }
        }
        #expect(parse("1700000000000") == 1_700_000_000_000)
        #expect(parse("9223372036854775808") == nil)
        #expect(parse("+1") == nil)
        #expect(parse("") == nil)
    }
}
