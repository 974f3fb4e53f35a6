import Foundation
import VigilCore
import VigilEngine
import VigilHTTP
import VigilRules

extension PrometheusHistoryReader {
    /// A remote read's result: the answer, or why this server cannot give one this way (so `auto` falls
    /// back to `query_range`).
    enum RemoteReadOutcome {
        case answer(Answer)
        case unsupported(String)
    }

    /// The media type of a streamed answer; anything else (a `SAMPLES` answer from a server that cannot
    /// stream, a proxy's page) is not read as one.
    static let streamedMediaType = "application/x-streamed-protobuf"

    /// The start of an error answer's body, as an error quotes it.
    static func errorText(_ body: [UInt8]) -> String {
        String(decoding: body.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// One query by remote read: the selector's matchers over the window widened by the lookback delta
    /// (the first step looks that far back), its chunks decoded and stepped onto the query's grid exactly
    /// as `query_range` steps a plain selector.
    func fetchRemote(
        _ query: RangeQueryPlan.Query,
        externalLabels: [String: String] = [:]
    ) async throws(HistoryReadError) -> RemoteReadOutcome {
        guard let selector = try? SeriesSelector(query.selector) else {
            return .unsupported("not a plain series selector")
        }
        let sampler = LookbackSampler(
            start: Self.milliseconds(query.start),
            end: Self.milliseconds(query.end),
            step: Self.milliseconds(query.step),
            lookback: Self.milliseconds(source.lookbackDelta)
        )
        let what =
            "\(source.displayURL) remote read \(query.selector) [\(Timestamp.utc(query.start)) … \(Timestamp.utc(query.end))]"
        let clock = ContinuousClock()
        let sent = clock.now
        let response = try await post(
            "/api/v1/read",
            headers: [
                ("Content-Type", "application/x-protobuf"), ("Content-Encoding", "snappy"),
                ("X-Prometheus-Remote-Read-Version", "0.1.0"),
                ("Accept", "\(Self.streamedMediaType); proto=prometheus.ChunkedReadResponse"),
            ],
            body: RemoteReadRequest.body(
                matchers: selector.matchers,
                start: sampler.start - sampler.lookback,
                end: sampler.end
            ),
            what: what
        )
        let received = clock.now
        let mediaType = response.header("Content-Type") ?? ""
        // Not found, not allowed, not a media type it takes, not implemented, or an answer that is not
        // streamed: this server (or the proxy before it) does not offer streamed remote read. So is a 400,
        // VictoriaMetrics's answer to a path it does not serve ("unsupported path requested"); `auto`
        // then reads `query_range`, which names a query that is really bad itself.
        if [400, 404, 405, 406, 415, 501].contains(response.status)
            || (response.status == 200 && !mediaType.hasPrefix(Self.streamedMediaType))
        {
            let text = response.status == 400 ? Self.errorText(response.body) : ""
            return .unsupported(
                "HTTP \(response.status) \(mediaType.isEmpty ? "" : "(\(mediaType))")\(text.isEmpty ? "" : ": \(text)")"
            )
        }
        guard response.status == 200 else {
            // A gateway's 504, or Prometheus out of time or out of resources for it (500, 503).
            throw HistoryReadError(
                description: "\(what): HTTP \(response.status): \(Self.errorText(response.body))",
                tooHeavy: [500, 503, 504].contains(response.status)
            )
        }
        let raw: [ChunkedReadResponse.Series]
        do {
            raw = try ChunkedReadResponse.decode(response.body, onto: sampler)
        } catch {
            if let encoding = error.unsupportedEncoding {
                return .unsupported("chunks of encoding \(encoding), which Vigil does not decode (XOR only)")
            }
            // Past the samples a decode holds: too much at once, not corrupt, so a narrower query may pass.
            throw HistoryReadError(
                description: "\(what): unreadable answer: \(error)",
                tooHeavy: error.isTooManySamples
            )
        }
        // Stepping multiplies: one sample fills every step of its lookback (301 points at a 1-s step), so
        // a small answer of many one-sample series made gigabytes of points.
        let pointLimit = source.maxPoints
        var pointCount = 0
        var series: [MatrixReader.Series] = []
        for raw in raw {
            let (times, values) = LookbackSampler.ordered(raw.times, raw.values)
            let points = sampler.points(times: times, values: values)
            // As `query_range`: a series with no point in the window is not in the answer.
            guard !points.times.isEmpty else { continue }
            pointCount += points.times.count
            guard pointCount <= pointLimit else {
                throw HistoryReadError(
                    description: "\(what): more than \(pointLimit) points once stepped: narrow the query",
                    tooHeavy: true
                )
            }
            series.append(
                MatrixReader.Series(
                    labels: ExternalLabels.removing(externalLabels, from: raw.labels),
                    times: points.times,
                    values: points.values
                )
            )
        }
        return .answer(
            Answer(
                index: 0,
                api: .remoteRead,
                series: series,
                bytes: response.body.count,
                waitSeconds: Self.seconds(received - sent),
                parseSeconds: Self.seconds(clock.now - received)
            )
        )
    }

    /// Seconds as the whole milliseconds Prometheus works in (as ``seconds(_:)`` writes them for `query_range`).
    static func milliseconds(_ seconds: Double) -> Int64 { Int64((seconds * 1000).rounded()) }
}
