import Testing

@testable import VigilCore

/// Label sets far past the handful real series carry. A repeated label name used to be found by comparing
/// every pair, so one 1 MB line of 100,000 labels cost billions of comparisons; past
/// `ExpositionParser.pairwiseLabelLimit` labels the set is sorted instead. What the parse reports must not
/// change with the size of the set.
struct ManyLabelsTests {
    /// `count` distinct label names in order: `l00000`, `l00001`, …
    static func names(_ count: Int) -> [String] {
        (0..<count).map { "l" + String(String(100_000 + $0).dropFirst()) }
    }

    /// A body of `format` holding one sample of `m` with an empty label per name in `names`.
    static func body(_ names: [String], _ format: ExpositionFormat) -> String {
        let line = "m{" + names.map { "\($0)=\"\"" }.joined(separator: ",") + "} 1\n"
        return format == .openMetrics ? line + "# EOF\n" : line
    }

    @Test(arguments: ExpositionFormat.allCases)
    func twentyThousandDistinctLabelsParse(_ format: ExpositionFormat) throws {
        let names = Self.names(20_000)
        let parsed = try samples(Self.body(names, format), format)
        #expect(parsed.count == 1)
        #expect(parsed.first?.name == "m")
        // `samples` sorts the labels; these names sort as written.
        #expect(parsed.first?.labels == names.map { "\($0)=" })
    }

    /// A repeat among many labels is refused with the error a small set gets: the same label, at the same
    /// place. Text 0.0.4 names the repeat of the earliest name that has one (`z`, whose repeat comes after
    /// `x`'s), OpenMetrics the earliest repeat (`x`), as each did before the sort; `x` appears three times.
    @Test(arguments: ExpositionFormat.allCases)
    func aRepeatAmongManyLabelsIsReportedAsAmongFew(_ format: ExpositionFormat) throws {
        let repeats = ["z", "x", "x", "z", "x"]
        let few = try #require(rejection(Self.body(repeats, format), format))
        let expected =
            format == .openMetrics
            ? ExpositionError(line: 1, column: 13, message: "duplicate label name \"x\"")
            : ExpositionError(line: 1, column: 18, message: "duplicate label name \"z\"")
        #expect(few == expected)
        let padding = Self.names(20)
        let paddingBytes = padding.count * "l00000=\"\",".utf8.count
        // Padding after the repeats, and before them (where OpenMetrics no longer compares as it reads).
        #expect(rejection(Self.body(repeats + padding, format), format) == few)
        #expect(
            rejection(Self.body(padding + repeats, format), format)
                == ExpositionError(line: 1, column: few.column + paddingBytes, message: few.message)
        )
    }

    @Test(arguments: ExpositionFormat.allCases)
    func aRepeatAtTheEndOfTwentyThousandLabelsIsRefused(_ format: ExpositionFormat) {
        let body = Self.body(Self.names(20_000) + ["l12345"], format)
        // `m{` and 20,000 labels of 10 bytes each (`l00000="",`) come before it.
        #expect(
            rejection(body, format)
                == ExpositionError(line: 1, column: 200_003, message: "duplicate label name \"l12345\"")
        )
    }

    /// An exemplar's labels are held to OpenMetrics's 128 characters before their names are compared, so
    /// thousands of them are refused for their length, and a set that fits is at most 128 labels to sort.
    @Test func anExemplarOfThousandsOfLabelsIsRefusedForItsLength() {
        let labels = Self.names(20_000).map { "\($0)=\"\"" }.joined(separator: ",")
        let body = "# TYPE a counter\na_total 1 # {\(labels)} 1\n# EOF\n"
        #expect(
            rejection(body, .openMetrics)
                == ExpositionError(
                    line: 2,
                    column: 13,
                    message: "exemplar labels are 120000 characters long, over the OpenMetrics limit of 128"
                )
        )
    }

    @Test func aRepeatAmongManyExemplarLabelsIsRefused() {
        let names = "abcdefghijklmnopqrst".map { String($0) }
        func body(_ names: [String]) -> String {
            let labels = names.map { "\($0)=\"\"" }.joined(separator: ",")
            return "# TYPE a counter\na_total 1 # {\(labels)} 1\n# EOF\n"
        }
        #expect(rejection(body(names), .openMetrics) == nil)
        // `a_total 1 # {` and 20 labels of 5 bytes each (`a="",`) come before the repeat.
        #expect(
            rejection(body(names + ["c"]), .openMetrics)
                == ExpositionError(line: 2, column: 114, message: "duplicate label name \"c\"")
        )
    }
}
