import Foundation
import Testing
import VigilEngine
import VigilHTTP
import VigilRules

@testable import VigilHistory

/// The repository, found from this file's path.
private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A real streamed answer, captured from Debian's Prometheus 2.42 serving the bundled scenario
/// latency-regression-1 (loaded with `promtool tsdb create-blocks-from openmetrics`), for
/// `container_memory_working_set_bytes{pod="search-zwc2jw4ng-6hd9w"}` over the whole recording.
private let capturedAnswer = try! Array(
    Data(
        contentsOf: repositoryRoot.appendingPathComponent("Tests/VigilHistoryTests/Fixtures/remote-read-search-pod.bin")
    )
)

/// The same series's samples as the scenario recorded them: container → (milliseconds, values).
private func recordedSamples() throws -> [String: ([Int64], [Double])] {
    let text = try String(
        contentsOf: repositoryRoot.appendingPathComponent("sample-metrics/scenarios/latency-regression-1/metrics.om"),
        encoding: .utf8
    )
    var samples: [String: ([Int64], [Double])] = [:]
    for line in text.split(separator: "\n")
    where line.hasPrefix(#"container_memory_working_set_bytes{namespace="shop",pod="search-zwc2jw4ng-6hd9w","#) {
        let container = String(line.split(separator: "container=\"")[1].prefix { $0 != "\"" })
        let fields = line.split(separator: " ")
        samples[container, default: ([], [])].0.append(Int64(fields[fields.count - 1])! * 1000)
        samples[container, default: ([], [])].1.append(Double(fields[fields.count - 2])!)
    }
    return samples
}

struct RemoteReadTests {
    @Test func aRealStreamedAnswerDecodesToTheRecordedSamples() throws {
        let series = try ChunkedReadResponse.decode(capturedAnswer)
        let recorded = try recordedSamples()
        #expect(!recorded.isEmpty)
        #expect(series.count == recorded.count)
        for decoded in series {
            #expect(decoded.labels["__name__"] == "container_memory_working_set_bytes")
            #expect(decoded.labels["pod"] == "search-zwc2jw4ng-6hd9w")
            let expected = try #require(recorded[decoded.labels["container"] ?? ""])
            #expect(decoded.times == expected.0)
            #expect(decoded.values == expected.1)
        }
    }

    /// Every cut of the answer is refused or, at a frame boundary, read as the frames before it.
    @Test func truncationIsRefusedNotTrappedOn() throws {
        var refused = 0
        for length in 0..<capturedAnswer.count {
            do {
                _ = try ChunkedReadResponse.decode(Array(capturedAnswer.prefix(length)))
            } catch {
                refused += 1
            }
        }
        #expect(refused >= capturedAnswer.count - 2)
    }

    /// Any one byte changed — length, checksum or payload — and the answer is refused.
    @Test func everyCorruptedByteIsCaught() {
        for index in capturedAnswer.indices {
            var corrupted = capturedAnswer
            corrupted[index] ^= 0x5a
            #expect(throws: ChunkedReadResponse.DecodeError.self) { try ChunkedReadResponse.decode(corrupted) }
        }
    }

    /// A damaged payload behind a good checksum (a proxy or a server that computes it over what it
    /// damaged) is refused or read, never trapped on: every byte of every frame changed three ways, and
    /// every cut of it, each framed again with its checksum. What is read keeps a time for every value.
    @Test func aDamagedPayloadBehindAGoodChecksumIsNeverTrappedOn() {
        let frames = StreamedAnswer.frames(of: capturedAnswer)
        #expect(frames.count >= 1 && frames.map(StreamedAnswer.frame).joined().elementsEqual(capturedAnswer))
        var refused = 0
        func decode(_ damaged: [UInt8], at index: Int) {
            var body = frames
            body[index] = damaged
            guard let series = try? ChunkedReadResponse.decode(Array(body.map(StreamedAnswer.frame).joined())) else {
                refused += 1
                return
            }
            for read in series { #expect(read.times.count == read.values.count) }
        }
        for (index, data) in frames.enumerated() {
            for position in data.indices {
                for mask: UInt8 in [0x01, 0x80, 0xff] {
                    var damaged = data
                    damaged[position] ^= mask
                    decode(damaged, at: index)
                }
            }
            for length in 0..<data.count { decode(Array(data.prefix(length)), at: index) }
        }
        // Most damage is caught (a changed sample value or time reads as another sample, legitimately).
        #expect(refused > 0)
    }

    /// A chunk that claims more samples than its bits hold is refused with where it was, even when the
    /// frame's checksum is right.
    @Test func aTruncatedChunkBehindAGoodChecksumNamesItsField() throws {
        let body = StreamedAnswer.frame(labels: [("__name__", "up")], chunks: [[0x00, 0x05, 0x02]])
        #expect {
            try ChunkedReadResponse.decode(body)
        } throws: { error in
            "\(error)" == "frame 0 (byte 0): chunked_series[0].chunks[0]: chunk truncated"
        }
    }

    /// An error Prometheus meets after the first frame comes as text behind the frames (the status was
    /// sent): the error is its words.
    @Test func aServerErrorAfterTheFramesIsReportedInItsWords() {
        let body =
            StreamedAnswer.frame(labels: [("__name__", "up")], chunks: [])
            + Array("expanding series: context deadline exceeded\n".utf8)
        #expect {
            try ChunkedReadResponse.decode(body)
        } throws: { error in
            "\(error)".hasSuffix("the server ended with: expanding series: context deadline exceeded")
        }
    }

    @Test func aFrameClaimingMoreThanTheLimitIsRefused() {
        var frame = ProtobufWriter()
        frame.varint(UInt64(ChunkedReadResponse.maximumFrameBytes) + 1)
        #expect(throws: ChunkedReadResponse.DecodeError.self) {
            try ChunkedReadResponse.decode(frame.bytes + [0, 0, 0, 0])
        }
    }

    /// CRC-32C's check value (RFC 3720, appendix B.4: 32 bytes of zeros).
    @Test func castagnoliChecksum() {
        #expect([UInt8](repeating: 0, count: 32).withUnsafeBufferPointer { CRC32C.checksum($0) } == 0x8A91_36AA)
        #expect(Array("123456789".utf8).withUnsafeBufferPointer { CRC32C.checksum($0) } == 0xE306_9283)
    }

    /// Snappy's format description: the length as a varint, then literal tags — length − 1 in the tag's
    /// upper six bits below 61, else in the one or two bytes after tag 60 or 61.
    @Test func snappyLiterals() {
        #expect(SnappyBlock.literals(Array("hello".utf8)) == [5, 4 << 2] + Array("hello".utf8))
        #expect(SnappyBlock.literals([]) == [0])
        let hundred = [UInt8](repeating: 7, count: 100)
        #expect(SnappyBlock.literals(hundred) == [100, 60 << 2, 99] + hundred)
        let large = [UInt8](repeating: 1, count: 70_000)
        let encoded = SnappyBlock.literals(large)
        #expect(Array(encoded.prefix(6)) == [0xF0, 0xA2, 0x04, 61 << 2, 0xFF, 0xFF])
        #expect(Array(encoded[65_542..<65_545]) == [61 << 2, 0x6F, 0x11])
        #expect(encoded.count == 3 + 3 + 65_536 + 3 + 4_464)
    }

    /// The points `query_range` gives a plain selector: the latest sample no older than the lookback,
    /// none after a staleness marker.
    @Test func steppingFollowsPromQLsLookback() {
        let stale = Double(bitPattern: LookbackSampler.staleNaN)
        let sampler = LookbackSampler(start: 60_000, end: 960_000, step: 60_000, lookback: 300_000)
        let times: [Int64] = [0, 30_000, 120_000, 420_000, 600_000, 660_000]
        let values: [Double] = [1, 2, 3, 4, stale, 6]
        let points = sampler.points(times: times, values: values)
        // 60 s: 2; 120–360 s: 3; 420–540 s: 4; 600 s: the staleness marker, no point; 660–960 s: 6 (960 s is
        // exactly one lookback after it: still current, as in Prometheus 2.x).
        #expect(points.times == [60, 120, 180, 240, 300, 360, 420, 480, 540, 660, 720, 780, 840, 900, 960])
        #expect(points.values == [2, 3, 3, 3, 3, 3, 4, 4, 4, 6, 6, 6, 6, 6, 6])
        let gap = sampler.points(times: [0], values: [1])
        #expect(gap.times == [60, 120, 180, 240, 300])
    }

    @Test func outOfOrderAndRepeatedSamplesAreOrderedLastWins() {
        let (times, values) = LookbackSampler.ordered([30, 10, 20, 20], [3, 1, 2, 2.5])
        #expect(times == [10, 20, 30])
        #expect(values == [1, 2.5, 3])
    }

    /// `auto` tries remote read once; a server without it (404) is read by `query_range`, in parallel.
    @Test func autoFallsBackToQueryRangeOnce() async throws {
        let prometheus = FakePrometheus.routing { request in
            request.url.hasSuffix("/api/v1/query_range")
                ? matrix(FakePrometheus.form(request), series: [["__name__": "up"]])
                : HTTPResponse(status: 404, headers: [], body: Array("404 page not found".utf8), bytesOnWire: 0)
        }
        let reader = PrometheusHistoryReader(
            source: PrometheusSource(url: "http://p", concurrency: 3),
            transport: prometheus
        )
        let plan = RangeQueryPlan(selectors: (0..<6).map { "s\($0)" }, start: 0, end: 600, step: 15)
        let (history, stats) = try await reader.readMeasured(plan)
        #expect(history.series.count == 1)
        #expect(stats.api == .queryRange)
        #expect(
            prometheus.requests.map { $0.url.replacingOccurrences(of: "http://p/api/v1/", with: "") }
                == ["status/config", "read"] + Array(repeating: "query_range", count: 6)
        )
        #expect(prometheus.maximumInFlight == 3)
    }

    /// VictoriaMetrics answers a path it does not serve with 400 ("unsupported path requested"): `auto`
    /// reads `query_range` there, as it does after a 404.
    @Test func autoFallsBackToQueryRangeOnABadRequestForTheReadPath() async throws {
        let prometheus = FakePrometheus.routing { request in
            request.url.hasSuffix("/api/v1/query_range")
                ? matrix(FakePrometheus.form(request), series: [["__name__": "up"]])
                : HTTPResponse(
                    status: 400,
                    headers: [],
                    body: Array(#"unsupported path requested: "/api/v1/read""#.utf8),
                    bytesOnWire: 0
                )
        }
        let reader = PrometheusHistoryReader(source: PrometheusSource(url: "http://vm:8428"), transport: prometheus)
        let (history, stats) = try await reader.readMeasured(
            RangeQueryPlan(selectors: ["up"], start: 0, end: 600, step: 15)
        )
        #expect(history.series.count == 1)
        #expect(stats.api == .queryRange)
    }

    /// Settled on remote read, a query whose selector remote read cannot express is read with
    /// `query_range` (it failed the whole read); asked for remote read alone, it is an error.
    @Test func aSelectorRemoteReadCannotExpressIsReadWithQueryRange() async throws {
        let prometheus = FakePrometheus.routing { request in
            request.url.hasSuffix("/api/v1/query_range")
                ? matrix(FakePrometheus.form(request), series: [["__name__": "up", "sum": "yes"]])
                : HTTPResponse(
                    status: 200,
                    headers: [
                        ("Content-Type", "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse")
                    ],
                    body: capturedAnswer,
                    bytesOnWire: capturedAnswer.count
                )
        }
        let plan = RangeQueryPlan(
            selectors: ["container_memory_working_set_bytes", "sum(up)"],
            start: 0,
            end: 600,
            step: 15
        )
        let auto = PrometheusHistoryReader(source: PrometheusSource(url: "http://p"), transport: prometheus)
        let history = try await auto.read(plan)
        #expect(history.series.contains { $0.labels["sum"] == "yes" })
        #expect(prometheus.requests.contains { $0.url.hasSuffix("/query_range") })
        let remoteOnly = PrometheusHistoryReader(
            source: PrometheusSource(url: "http://p", api: .remoteRead),
            transport: prometheus
        )
        await #expect(throws: HistoryReadError.self) { _ = try await remoteOnly.read(plan) }
    }

    @Test func remoteReadAskedForAndNotOfferedIsAnError() async {
        let prometheus = FakePrometheus.routing { _ in
            HTTPResponse(status: 405, headers: [], body: [], bytesOnWire: 0)
        }
        let reader = PrometheusHistoryReader(
            source: PrometheusSource(url: "http://p", api: .remoteRead),
            transport: prometheus
        )
        await #expect {
            _ = try await reader.read(RangeQueryPlan(selectors: ["up"], start: 0, end: 60, step: 15))
        } throws: { error in
            "\(error)" == "http://p remote read up: HTTP 405 "
        }
    }

    /// The request is what Prometheus's remote-read handler reads: snappy-framed protobuf with the
    /// selector's matchers and the window widened by the lookback; the answer is stepped onto the grid.
    @Test func remoteReadRequestsAndStepsTheAnswer() async throws {
        let prometheus = FakePrometheus.routing { _ in
            HTTPResponse(
                status: 200,
                headers: [("Content-Type", "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse")],
                body: capturedAnswer,
                bytesOnWire: capturedAnswer.count
            )
        }
        let reader = PrometheusHistoryReader(
            source: PrometheusSource(url: "http://p", authorization: .bearer("t0ken")),
            transport: prometheus
        )
        let recorded = try recordedSamples()
        let first = try #require(recorded.values.first?.0.first)
        let start = Double(first / 1000) + 600
        let plan = RangeQueryPlan(
            selectors: [#"container_memory_working_set_bytes{pod=~"search-.*"}"#],
            start: start,
            end: start + 3600,
            step: 30
        )
        let (history, stats) = try await reader.readMeasured(plan)
        #expect(stats.api == .remoteRead)
        let request = try #require(prometheus.requests.first { $0.url.hasSuffix("/read") })
        #expect(request.url == "http://p/api/v1/read")
        #expect(request.authorization == .bearer("t0ken"))
        #expect(request.headers.contains { $0.name == "Content-Encoding" && $0.value == "snappy" })
        let body = String(decoding: request.body ?? [], as: UTF8.self)
        #expect(body.contains("container_memory_working_set_bytes") && body.contains("search-.*"))
        #expect(history.series.count == recorded.count)
        for series in history.series {
            let samples = try #require(recorded[series.labels["container"] ?? ""])
            #expect(series.times == (0...120).map { start + Double($0) * 30 })
            for (time, value) in zip(series.times, series.values) {
                let latest = try #require(samples.0.lastIndex { $0 <= Int64(time * 1000) })
                #expect(value == samples.1[latest])
            }
        }
    }

    /// Remote read adds the server's external labels to every series; they are taken off again (a
    /// series's own label of that name with another value stays), so both APIs name a series alike.
    @Test func externalLabelsAreTakenOff() async throws {
        func series(_ labels: [String: String]) -> [UInt8] {
            var encoded = ProtobufWriter()
            for (name, value) in labels.sorted(by: { $0.key < $1.key }) {
                var label = ProtobufWriter()
                label.field(1, string: name)
                label.field(2, string: value)
                encoded.field(1, bytes: label.bytes)
            }
            // One sample at t = 0: count 1, zigzag varint 0, then the 64 bits of 1.0.
            var chunk = ProtobufWriter()
            chunk.field(3, int64: 1)
            chunk.field(4, bytes: [0x00, 0x01, 0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0])
            encoded.field(2, bytes: chunk.bytes)
            return encoded.bytes
        }
        var message = ProtobufWriter()
        message.field(1, bytes: series(["__name__": "up", "job": "api", "replica": "a"]))
        message.field(1, bytes: series(["__name__": "up", "job": "web", "replica": "b"]))
        let data = message.bytes
        var frame = ProtobufWriter()
        frame.varint(UInt64(data.count))
        let checksum = data.withUnsafeBufferPointer { CRC32C.checksum($0) }
        let body = frame.bytes + withUnsafeBytes(of: checksum.bigEndian) { Array($0) } + data
        let config =
            #"{"status":"success","data":{"yaml":"global:\n  scrape_interval: 1m\n  external_labels:\n    replica: a\n"}}"#
        let prometheus = FakePrometheus.routing { request in
            request.url.hasSuffix("/status/config")
                ? HTTPResponse(status: 200, headers: [], body: Array(config.utf8), bytesOnWire: 0)
                : HTTPResponse(
                    status: 200,
                    headers: [
                        ("Content-Type", "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse")
                    ],
                    body: body,
                    bytesOnWire: body.count
                )
        }
        let reader = PrometheusHistoryReader(source: PrometheusSource(url: "http://p"), transport: prometheus)
        let history = try await reader.read(RangeQueryPlan(selectors: ["up"], start: 0, end: 60, step: 15))
        #expect(
            Set(history.series.map(\.labels)) == [
                ["__name__": "up", "job": "api"], ["__name__": "up", "job": "web", "replica": "b"],
            ]
        )
    }
}
