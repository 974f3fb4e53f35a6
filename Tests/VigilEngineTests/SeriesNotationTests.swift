import Testing
import VigilCore

@testable import VigilEngine

/// promtool's series notation as PromQL's grammar reads it.
struct SeriesNotationTests {
    /// Bit patterns, so that markers and NaNs compare; nil for a missing sample.
    static func bits(_ text: String) throws -> [UInt64?] {
        try SeriesNotation.expand(text).map { $0?.bitPattern }
    }

    @Test func expandsAsPromtool() throws {
        #expect(try SeriesNotation.expand("1+2x3 5-1x2 7x2 _ _x2") == [1, 3, 5, 7, 5, 4, 3, 7, 7, 7, nil, nil, nil])
        #expect(
            try SeriesNotation.expand("-2-1x3 1e3 0x10 +Inf") == [
                -2, -3, -4, -5, 1000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, .infinity,
            ]
        )
    }

    /// `stale` is a staleness marker (the series ends there), `stalex2` three of them; `NaN` is a value.
    /// `stale` was read as a missing sample, and `stalex2` refused.
    @Test func staleIsAMarkerAndNaNAValue() throws {
        let marker = StalenessMarker.bitPattern
        #expect(try Self.bits("1 stale stalex2 _") == [Double(1).bitPattern, marker, marker, marker, marker, nil])
        let nan = try SeriesNotation.expand("NaN nan")
        #expect(nan.count == 2 && nan.allSatisfy { $0!.isNaN && !StalenessMarker.isMarker($0!) })
    }

    /// PromQL's lexer knows `Inf` and `NaN`, not Swift's `infinity`.
    @Test(arguments: ["infinity", "-infinity", "stal", "x3", "1+x3"])
    func whatPromQLDoesNotReadIsRefused(token: String) {
        #expect(throws: SeriesNotation.ParseError.self) { try SeriesNotation.expand(token) }
    }
}
