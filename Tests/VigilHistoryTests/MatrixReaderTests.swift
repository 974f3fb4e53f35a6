import Foundation
import Testing
import VigilCore

@testable import VigilHistory

/// The query_range reader: Prometheus's own answers, and hostile bodies refused with the field and
/// offset, never trapped on.
struct MatrixReaderTests {
    /// The shape of a real Prometheus 2.42 answer (saved in docs/reference), two series.
    static let answer = """
        {"status":"success","data":{"resultType":"matrix","result":[\
        {"metric":{"__name__":"http_requests_total","code":"500","pod":"web-1"},\
        "values":[[1764457200,"1"],[1764457230.5,"2.5"],[1764457260.125,"-3e-2"]]},\
        {"metric":{"__name__":"up","instance":"a:9100","path":"C:\\\\dir \\"q\\" \\u00e9 \\ud83d\\ude00"},\
        "values":[[1764457200,"NaN"],[1764457215,"+Inf"],[1764457230,"-Inf"],[1764457245,"0.30000000000000004"]]}]},\
        "warnings":["some {nested} thing",{"a":[1,2,{"b":null}]}]}
        """

    func series(_ body: String) throws -> [MatrixReader.Series] {
        guard case .matrix(let series, _) = try MatrixReader.read(Array(body.utf8)) else {
            Issue.record("not a matrix")
            return []
        }
        return series
    }

    /// The warnings of an answer Prometheus gave although part of the data was missing (a remote-read
    /// store down) were passed over, and a history with holes was learnt as whole. Strings are kept;
    /// anything else in the list is passed over.
    @Test func warningsAreKept() throws {
        guard case .matrix(_, let warnings) = try MatrixReader.read(Array(Self.answer.utf8)) else {
            Issue.record("not a matrix")
            return
        }
        #expect(warnings == ["some {nested} thing"])
    }

    @Test func readsSeriesLabelsTimesAndValues() throws {
        let series = try series(Self.answer)
        try #require(series.count == 2)
        #expect(series[0].labels == ["__name__": "http_requests_total", "code": "500", "pod": "web-1"])
        #expect(series[0].times == [1_764_457_200, 1_764_457_230.5, 1_764_457_260.125])
        #expect(series[0].values == [1, 2.5, -0.03])
        #expect(series[1].labels["path"] == "C:\\dir \"q\" é 😀")
        #expect(series[1].values[0].isNaN)
        #expect(series[1].values[1] == .infinity)
        #expect(series[1].values[2] == -.infinity)
        #expect(series[1].values[3] == 0.30000000000000004)
    }

    /// The fast paths give exactly what a correctly rounded parse gives (what a replay computes).
    @Test(arguments: [
        "0.1", "123456789012345", "-0.000123", "1.7976931348623157e308", "5e-324", "0.1234567890123456789",
    ])
    func valuesAreCorrectlyRounded(_ text: String) throws {
        let series = try series(
            #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1.001,"\#(text)"]]}]}}"#
        )
        #expect(series.first?.values == [Double(text)!])
        #expect(series.first?.times == [Double(1001) / 1000])
    }

    /// What was reserved for the range's points goes back when a series has few of them; a full one
    /// keeps it (no copy).
    @Test func aShortSeriesHoldsNoCapacityForTheWholeRange() throws {
        guard case .matrix(let series, _) = try MatrixReader.read(Array(Self.answer.utf8), expectedPoints: 720) else {
            Issue.record("not a matrix")
            return
        }
        #expect(series.allSatisfy { $0.times.capacity < 64 && $0.values.capacity < 64 })
        let full = (0..<720).map { "[\($0),\"1\"]" }.joined(separator: ",")
        let body =
            #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":["# + full + "]}]}}"
        guard case .matrix(let long, _) = try MatrixReader.read(Array(body.utf8), expectedPoints: 720) else {
            Issue.record("not a matrix")
            return
        }
        #expect(long.first?.times.count == 720)
    }

    @Test func serverErrorsAreAnswersNotParseErrors() throws {
        let answer = try MatrixReader.read(
            Array(
                #"{"status":"error","errorType":"bad_data","error":"1:12: parse error: unclosed left parenthesis"}"#
                    .utf8
            )
        )
        #expect(answer == .failure(errorType: "bad_data", message: "1:12: parse error: unclosed left parenthesis"))
    }

    @Test func pointsOutOfOrderOrRepeatedAreDropped() throws {
        let series = try series(
            #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[10,"1"],[10,"2"],[5,"3"],[20,"4"]]}]}}"#
        )
        #expect(series.first?.times == [10, 20])
        #expect(series.first?.values == [1, 4])
    }

    /// Every truncation of a good answer is an error, never a crash or a partial success.
    @Test func everyTruncationIsRefused() {
        let bytes = Array(Self.answer.utf8)
        for length in 0..<bytes.count {
            #expect(throws: MatrixReader.ReadError.self) { try MatrixReader.read(Array(bytes[..<length])) }
        }
    }

    /// One line per hostile body: the field named in the error, and why.
    @Test(arguments: [
        // A value as a JSON number, as some proxies rewrite it.
        (
            #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,1]]}]}}"#,
            "data.result[0].values[0][1]", "expected the sample's value as a string"
        ),
        // Words where a number belongs.
        (
            #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"lots"]]}]}}"#,
            "data.result[0].values[0][1]", "not a number: \"lots\""
        ),
        // strtod would take hex and "infinity"; Prometheus never writes them.
        (
            #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"0x1p3"]]}]}}"#,
            "data.result[0].values[0][1]", "not a number"
        ),
        // A time far beyond any Prometheus (1e999 is infinity).
        (
            #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1e999,"1"]]}]}}"#,
            "data.result[0].values[0][0]", "out of range"
        ),
        (
            #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[["1","1"]]}]}}"#,
            "data.result[0].values[0][0]", "expected the sample's time as a number"
        ),
        // A value too long to be a number Prometheus wrote.
        (
            #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"\#(String(repeating: "9", count: 80))"]]}]}}"#,
            "data.result[0].values[0][1]", "value too long"
        ),
        (
            #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":["a"],"values":[]}]}}"#,
            "data.result[0].metric", "expected an object"
        ),
        (
            #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":1},"values":[]}]}}"#,
            "data.result[0].metric.a", "expected a string"
        ),
        (#"{"status":"success","data":{"resultType":"vector","result":[]}}"#, "data.resultType", "expected \"matrix\""),
        (
            #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"value":[1,"1"]}]}}"#,
            "data.result[0].value", "instant vector"
        ),
        (#"{"status":"success","data":{"resultType":"matrix"}}"#, "data.result", "missing"),
        (#"{"data":{"resultType":"matrix","result":[]}}"#, "status", "missing"),
        (#"{"status":"success","data":{"resultType":"matrix","result":[]}} trailing"#, "(document)", "unexpected text"),
        (
            #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"\x"},"values":[]}]}}"#,
            "data.result[0].metric.a", "invalid escape"
        ),
        ("<html>502 Bad Gateway</html>", "(document)", "expected an object"),
    ])
    func hostileBodiesNameTheField(_ body: String, _ field: String, _ message: String) {
        do {
            _ = try MatrixReader.read(Array(body.utf8))
            Issue.record("accepted: \(body)")
        } catch {
            #expect(error.field == field, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }

    /// Nesting without end in a field the reader skips is refused at a fixed depth, not by the stack.
    @Test func deepNestingIsBounded() {
        let body = #"{"warnings":"# + String(repeating: "[", count: 100_000)
        #expect(throws: MatrixReader.ReadError.self) { try MatrixReader.read(Array(body.utf8)) }
    }
}
