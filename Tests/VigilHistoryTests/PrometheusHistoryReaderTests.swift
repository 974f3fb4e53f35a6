import Foundation
import Testing
import VigilCore
import VigilEngine
import VigilHTTP
import VigilRules
import VigilTestKit

@testable import VigilHistory

/// A Prometheus that answers each query_range from a function of its form, and counts requests in flight.
final class FakePrometheus: WholeAnswerTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var inFlight = 0
    private(set) var maximumInFlight = 0
    private(set) var requests: [HTTPRequest] = []
    let respond: @Sendable (HTTPRequest) -> HTTPResponse

    private init(respond: @escaping @Sendable (HTTPRequest) -> HTTPResponse) { self.respond = respond }

    /// Answers each `query_range` from its form.
    convenience init(answer: @escaping @Sendable ([String: String]) -> HTTPResponse) {
        self.init(respond: { answer(Self.form($0)) })
    }

    /// Answers each request from the whole request (its URL tells remote read from `query_range`).
    static func routing(_ respond: @escaping @Sendable (HTTPRequest) -> HTTPResponse) -> FakePrometheus {
        FakePrometheus(respond: respond)
    }

    static func form(_ request: HTTPRequest) -> [String: String] { request.formFields }

    func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
        lock.withLock {
            requests.append(request)
            inFlight += 1
            maximumInFlight = max(maximumInFlight, inFlight)
        }
        // Let the other tasks of the group start before this one answers.
        for _ in 0..<200 { await Task.yield() }
        lock.withLock { inFlight -= 1 }
        return respond(request)
    }
}

/// A matrix answer: each series one point per step of the query's window, valued by `value(labels, time)`.
func matrix(_ form: [String: String], series: [[String: String]], value: (Double) -> Double = { $0 }) -> HTTPResponse {
    let start = Double(form["start"]!)!
    let end = Double(form["end"]!)!
    let step = Double(form["step"]!)!
    var result: [String] = []
    for labels in series {
        let metric = labels.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",")
        var points: [String] = []
        var time = start
        while time <= end {
            points.append("[\(time),\"\(value(time))\"]")
            time += step
        }
        result.append("{\"metric\":{\(metric)},\"values\":[\(points.joined(separator: ","))]}")
    }
    let body =
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[\(result.joined(separator: ","))]}}"
    return HTTPResponse(status: 200, headers: [], body: Array(body.utf8), bytesOnWire: body.utf8.count)
}

/// `query_range` alone (`api: .queryRange`); remote read and the choice between the two are in
/// RemoteReadTests.
struct PrometheusHistoryReaderTests {
    @Test func requestsAreFormPostsWithTheSourcesCredentials() async throws {
        let prometheus = FakePrometheus { matrix($0, series: []) }
        let source = PrometheusSource(
            url: "https://prom.example:9090/prefix/",
            authorization: .bearer("t0ken"),
            api: .queryRange
        )
        let reader = PrometheusHistoryReader(source: source, transport: prometheus)
        let selector = try SeriesSelector(#"http_requests_total{code=~"5..", path!="/a \"b\""}"#)
        _ = try await reader.read(
            RangeQueryPlan(
                selectors: [selector.promQL(adding: [("namespace", "shop")])],
                start: 1000.5,
                end: 2000,
                step: 15
            )
        )
        let request = try #require(prometheus.requests.first)
        #expect(request.url == "https://prom.example:9090/prefix/api/v1/query_range")
        #expect(request.method == .post)
        #expect(request.authorization == .bearer("t0ken"))
        #expect(
            request.headers.contains { $0.name == "Content-Type" && $0.value == "application/x-www-form-urlencoded" }
        )
        let form = FakePrometheus.form(request)
        #expect(
            form["query"]
                == #"{__name__="http_requests_total", code=~"5..", path!="/a \"b\"", namespace="shop"}"#
        )
        #expect(form["start"] == "1000.5")
        #expect(form["end"] == "2000")
        #expect(form["step"] == "15")
    }

    /// No more requests in flight than asked, and more than one when asked for more.
    @Test(arguments: [1, 3])
    func concurrencyIsBounded(_ limit: Int) async throws {
        let prometheus = FakePrometheus { matrix($0, series: [["__name__": "up"]]) }
        let reader = PrometheusHistoryReader(
            source: PrometheusSource(url: "http://p", concurrency: limit, api: .queryRange),
            transport: prometheus
        )
        let plan = RangeQueryPlan(selectors: (0..<10).map { "s\($0)" }, start: 0, end: 3600, step: 15)
        _ = try await reader.read(plan)
        #expect(prometheus.requests.count == 10)
        #expect(prometheus.maximumInFlight == limit)
    }

    /// Windows are stitched back into one series per label set, and a series two selectors both select
    /// (an error counter and its total) is kept once.
    @Test func windowsAndOverlappingSelectorsMakeOneSeriesEach() async throws {
        let errors: [String: String] = ["__name__": "http_requests_total", "code": "500"]
        let ok: [String: String] = ["__name__": "http_requests_total", "code": "200"]
        let prometheus = FakePrometheus { form in
            matrix(form, series: form["query"]!.contains("5..") ? [errors] : [errors, ok])
        }
        let reader = PrometheusHistoryReader(
            source: PrometheusSource(url: "http://p", api: .queryRange),
            transport: prometheus
        )
        let plan = RangeQueryPlan(
            selectors: [#"http_requests_total{code=~"5.."}"#, "http_requests_total"],
            start: 0,
            end: 299 * 10,
            step: 10,
            pointsPerQuery: 100
        )
        #expect(plan.queries.count == 6)
        let history = try await reader.read(plan)
        #expect(history.series.count == 2)
        for series in history.series {
            #expect(series.times == (0..<300).map { Double($0) * 10 })
            #expect(series.values == series.times)
            #expect(series.type == .counter)
        }
        #expect(history.start == 0)
        #expect(history.end == 2990)
    }

    /// The waits a reader was asked for.
    actor Paused {
        var delays: [Duration] = []
        func add(_ delay: Duration) { delays.append(delay) }
    }

    /// Fails its first requests as scripted, then answers `query_range`.
    final class Flaky: WholeAnswerTransport, @unchecked Sendable {
        private let lock = NSLock()
        private var script: [Result<HTTPResponse, HTTPClientError>]

        init(_ script: [Result<HTTPResponse, HTTPClientError>]) { self.script = script }

        func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
            let next: Result<HTTPResponse, HTTPClientError>? = lock.withLock {
                if script.isEmpty { return nil }
                return script.removeFirst()
            }
            guard let next else { return matrix(FakePrometheus.form(request), series: [["__name__": "up"]]) }
            return try next.get()
        }
    }

    /// A passing failure (a 503 from a restarting Prometheus, a connection broken mid-answer) is tried
    /// again after the source's delays, on the reader's pause; past them the failure is the answer.
    @Test func aPassingFailureIsTriedAgain() async throws {
        let unavailable = HTTPResponse(status: 503, headers: [], body: Array("restarting".utf8), bytesOnWire: 0)
        let reset = HTTPClientError(.transfer, "Recv failure: Connection reset by peer")
        let paused = Paused()
        let plan = RangeQueryPlan(selectors: ["up"], start: 0, end: 60, step: 15)
        let source = PrometheusSource(url: "http://p", api: .queryRange)
        let recovering = PrometheusHistoryReader(
            source: source,
            transport: Flaky([Result.success(unavailable), Result.failure(reset)]),
            pause: { await paused.add($0) }
        )
        #expect(try await recovering.read(plan).series.count == 1)
        #expect(await paused.delays == [.seconds(1), .seconds(3)])
        let failing = PrometheusHistoryReader(
            source: source,
            transport: Flaky(Array(repeating: Result.failure(reset), count: 3)),
            pause: { _ in }
        )
        await #expect(throws: HistoryReadError.self) { _ = try await failing.read(plan) }
        // A query that ran out of time would only do so again: not tried again.
        let timedOut = HTTPResponse(
            status: 503,
            headers: [],
            body: Array(#"{"status":"error","errorType":"timeout","error":"query timed out"}"#.utf8),
            bytesOnWire: 0
        )
        let heavy = Paused()
        let tooHeavy = PrometheusHistoryReader(
            source: source,
            transport: Flaky([Result.success(timedOut)]),
            pause: { await heavy.add($0) }
        )
        await #expect(throws: HistoryReadError.self) { _ = try await tooHeavy.read(plan) }
        #expect(await heavy.delays.isEmpty)
    }

    /// A query too heavy for the server or the reader says so, so a caller can ask for less (the daemon's
    /// detector backfill halves its window); any other failure does not.
    @Test(arguments: [
        (Result<HTTPResponse, HTTPClientError>.failure(HTTPClientError(.bodyTooLarge, "body over 64 MiB")), true),
        (.failure(HTTPClientError(.timeout, "Operation timed out after 30000 milliseconds")), true),
        (.success(Self.answer(422, #"{"status":"error","errorType":"execution","error":"too many samples"}"#)), true),
        (.success(Self.answer(503, #"{"status":"error","errorType":"timeout","error":"query timed out"}"#)), true),
        (.success(Self.answer(504, "gateway timeout")), true),
        (.success(Self.answer(400, #"{"status":"error","errorType":"bad_data","error":"parse error"}"#)), false),
        (.failure(HTTPClientError(.connection, "Connection refused")), false),
    ])
    func aQueryTooHeavySaysSo(_ outcome: Result<HTTPResponse, HTTPClientError>, tooHeavy: Bool) async throws {
        let reader = PrometheusHistoryReader(
            source: PrometheusSource(url: "http://p", api: .queryRange),
            transport: Flaky([outcome]),
            pause: { _ in }
        )
        await #expect {
            _ = try await reader.read(RangeQueryPlan(selectors: ["up"], start: 0, end: 60, step: 15))
        } throws: { error in
            (error as? HistoryReadError)?.tooHeavy == tooHeavy
        }
    }

    /// The same over remote read: Prometheus out of time or past its sample limit (500, 503), a
    /// gateway's 504; a 400 is remote read not offered, no matter of size.
    @Test(arguments: [(500, true), (503, true), (504, true), (400, false)])
    func aRemoteReadTooHeavySaysSo(_ status: Int, tooHeavy: Bool) async throws {
        var reader = PrometheusHistoryReader(
            source: PrometheusSource(url: "http://p", api: .remoteRead),
            // A 503 is tried again twice before it counts.
            transport: Flaky(
                Array(repeating: .success(Self.answer(status, "remote read failed: sample limit exceeded")), count: 3)
            ),
            pause: { _ in }
        )
        reader.externalLabels = [:]
        await #expect {
            _ = try await reader.read(RangeQueryPlan(selectors: ["up"], start: 0, end: 60, step: 15))
        } throws: { error in
            (error as? HistoryReadError)?.tooHeavy == tooHeavy
        }
    }

    /// Float chunks of an encoding Vigil does not decode (XOR2, Prometheus 3.11's optional float chunks)
    /// were passed over as native-histogram chunks are: every series came back empty and the read
    /// succeeded. Now `auto` asks `query_range` instead, and a read that must use remote read says why.
    @Test func floatChunksVigilCannotDecodeAreReadByQueryRange() async throws {
        let chunk = StreamedAnswer.constantChunk(count: 4, start: 0, interval: 15_000, value: 1)
        let body = StreamedAnswer.frame(labels: [("__name__", "up")], chunks: [chunk], encoding: 4)
        let streamed = HTTPResponse(
            status: 200,
            headers: [("Content-Type", "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse")],
            body: body,
            bytesOnWire: body.count
        )
        let plan = RangeQueryPlan(selectors: ["up"], start: 0, end: 60, step: 15)
        var auto = PrometheusHistoryReader(
            source: PrometheusSource(url: "http://p", api: .auto),
            transport: Flaky([.success(streamed)]),
            pause: { _ in }
        )
        auto.externalLabels = [:]
        #expect(try await auto.read(plan).series.count == 1)
        var remote = PrometheusHistoryReader(
            source: PrometheusSource(url: "http://p", api: .remoteRead),
            transport: Flaky([.success(streamed)]),
            pause: { _ in }
        )
        remote.externalLabels = [:]
        await #expect {
            _ = try await remote.read(plan)
        } throws: { error in
            "\(error)".contains("chunks of encoding 4")
        }
        // A native histogram's chunks (with start timestamps, 5) are passed over as before: remote read
        // answers, with no series.
        let histogram = StreamedAnswer.frame(labels: [("__name__", "h")], chunks: [chunk], encoding: 5)
        var histograms = PrometheusHistoryReader(
            source: PrometheusSource(url: "http://p", api: .remoteRead),
            transport: Flaky([
                .success(
                    HTTPResponse(
                        status: 200,
                        headers: streamed.headers,
                        body: histogram,
                        bytesOnWire: histogram.count
                    )
                )
            ]),
            pause: { _ in }
        )
        histograms.externalLabels = [:]
        #expect(try await histograms.read(plan).series.isEmpty)
    }

    /// Stepping multiplies: each one-sample series fills every step of its lookback, so a small remote-read
    /// answer of many such series made gigabytes of points. The points are held to the source's
    /// `maxPoints`, and past it the query is too heavy.
    @Test func aRemoteReadAnswerIsHeldToThePointsAQueryRangeAnswerCouldHold() async throws {
        func answer(series: Int) -> HTTPResponse {
            let chunk = StreamedAnswer.constantChunk(count: 1, start: 0, interval: 15_000, value: 1)
            let body = (0..<series).flatMap {
                StreamedAnswer.frame(labels: [("__name__", "up"), ("pod", "p\($0)")], chunks: [chunk])
            }
            return HTTPResponse(
                status: 200,
                headers: [("Content-Type", "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse")],
                body: body,
                bytesOnWire: body.count
            )
        }
        func reader(_ answer: HTTPResponse) -> PrometheusHistoryReader {
            var source = PrometheusSource(url: "http://p", api: .remoteRead)
            source.maxPoints = 100
            var reader = PrometheusHistoryReader(source: source, transport: Flaky([.success(answer)]), pause: { _ in })
            reader.externalLabels = [:]
            return reader
        }
        // Five steps (0 to 60 s every 15 s) each: 20 series are 100 points, 21 are 105.
        let plan = RangeQueryPlan(selectors: ["up"], start: 0, end: 60, step: 15)
        #expect(try await reader(answer(series: 20)).read(plan).series.count == 20)
        await #expect {
            _ = try await reader(answer(series: 21)).read(plan)
        } throws: { error in
            (error as? HistoryReadError)?.tooHeavy == true && "\(error)".contains("more than 100 points")
        }
    }

    /// A read Prometheus answered with warnings says so, each with its query, for the daemon's log and
    /// `vigil diagnose` to tell the person whose history has holes.
    @Test func warningsReachTheReadsStatistics() async throws {
        let body =
            #"{"status":"success","warnings":["remote_read: connection refused"],"data":{"resultType":"matrix","result":[]}}"#
        let reader = PrometheusHistoryReader(
            source: PrometheusSource(url: "http://p", api: .queryRange),
            transport: Flaky([.success(Self.answer(200, body))]),
            pause: { _ in }
        )
        let (_, stats) = try await reader.readMeasured(RangeQueryPlan(selectors: ["up"], start: 0, end: 60, step: 15))
        #expect(stats.warnings.count == 1)
        #expect(
            stats.warnings.first?.hasSuffix(
                "query_range up [1970-01-01T00:00:00Z … 1970-01-01T00:01:00Z, step 15s]: remote_read: connection refused"
            ) == true,
            "\(stats.warnings)"
        )
    }

    static func answer(_ status: Int, _ body: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: [], body: Array(body.utf8), bytesOnWire: body.utf8.count)
    }

    /// The error names the query and the server, without the password the URL may carry: it reaches
    /// reports and `vigil mcp`'s agent.
    @Test func theServersErrorNamesTheQuery() async throws {
        let prometheus = FakePrometheus { _ in
            let body =
                #"{"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries"}"#
            return HTTPResponse(status: 400, headers: [], body: Array(body.utf8), bytesOnWire: 0)
        }
        let reader = PrometheusHistoryReader(
            source: PrometheusSource(url: "http://admin:s3cret@p", api: .queryRange),
            transport: prometheus
        )
        do {
            _ = try await reader.read(RangeQueryPlan(selectors: ["up"], start: 0, end: 60, step: 15))
            Issue.record("no error")
        } catch {
            #expect(error.description.contains("http://admin:<secret>@p query_range up ["))
            #expect(!error.description.contains("s3cret"))
            #expect(
                error.description.hasSuffix(
                    "HTTP 400 bad_data: exceeded maximum resolution of 11,000 points per timeseries"
                )
            )
        }
    }

    /// A proxy's HTML page is reported with its status, not as a JSON puzzle alone (after the tries a
    /// 502 gets: it may pass).
    @Test func aNonPrometheusAnswerGivesItsStatus() async throws {
        let prometheus = FakePrometheus { _ in
            HTTPResponse(status: 502, headers: [], body: Array("<html>Bad Gateway</html>".utf8), bytesOnWire: 0)
        }
        let reader = PrometheusHistoryReader(
            source: PrometheusSource(url: "http://p", api: .queryRange),
            transport: prometheus,
            pause: { _ in }
        )
        await #expect {
            _ = try await reader.read(RangeQueryPlan(selectors: ["up"], start: 0, end: 60, step: 15))
        } throws: { error in
            "\(error)".contains("HTTP 502, unreadable answer: byte 0: (document): expected an object")
        }
    }

    @Test func typesFollowTheNames() {
        #expect(PrometheusHistoryReader.type(of: "http_requests_total") == .counter)
        #expect(PrometheusHistoryReader.type(of: "latency_seconds_bucket") == .histogram)
        #expect(PrometheusHistoryReader.type(of: "container_memory_working_set_bytes") == .unknown)
    }
}
