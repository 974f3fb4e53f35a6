import Foundation
import VigilCore
public import VigilEngine
public import VigilHTTP

/// Reads history from Prometheus's HTTP API into the engine's ``MetricHistory``: the raw series a plan
/// names (counters as their raw values, so the engine derives rates exactly as it does on a replay),
/// at most `concurrency` requests at once, windows stitched back together, and a series selected by
/// two selectors kept once.
public struct PrometheusHistoryReader: Sendable {
    public var source: PrometheusSource
    public var transport: any HTTPTransport
    /// Waits out a retry's delay (``PrometheusSource/retryDelays``); tests pass time of their own.
    public var pause: @Sendable (Duration) async -> Void
    /// The server's external labels, taken off what remote read answers: nil asks the server at each
    /// read; ``resolvingExternalLabels()`` asks once for a reader that reads many times, so a passing
    /// failure of that request cannot leave one read's series labelled otherwise than the next's.
    public var externalLabels: [String: String]?

    public init(
        source: PrometheusSource,
        transport: any HTTPTransport,
        pause: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }
    ) {
        self.source = source
        self.transport = transport
        self.pause = pause
    }

    /// This reader with the server's external labels asked once (none are needed for `query_range`).
    public func resolvingExternalLabels() async -> PrometheusHistoryReader {
        var reader = self
        if source.api != .queryRange, externalLabels == nil {
            reader.externalLabels = await ExternalLabels.read(source, transport: transport)
        }
        return reader
    }

    /// Runs every query of `plan`; `progress` is called after each answer (from any task).
    public func read(
        _ plan: RangeQueryPlan,
        progress: @escaping @Sendable (HistoryProgress) -> Void = { _ in }
    ) async throws(HistoryReadError) -> MetricHistory {
        try await readMeasured(plan, progress: progress).history
    }

    /// ``read(_:progress:)``, and where the time went.
    public func readMeasured(
        _ plan: RangeQueryPlan,
        progress: @escaping @Sendable (HistoryProgress) -> Void = { _ in }
    ) async throws(HistoryReadError) -> (history: MetricHistory, stats: HistoryReadStats) {
        var (answers, stats) = try await fetchAll(plan, progress: progress)
        let clock = ContinuousClock()
        let started = clock.now
        let history = Self.assemble(plan, answers)
        stats.assembleSeconds = Self.seconds(clock.now - started)
        stats.points = history.series.reduce(0) { $0 + $1.times.count }
        return (history, stats)
    }

    /// A duration in seconds, as timings print it.
    public static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// One query's answer: its position in the plan, the API that gave it, its series, its size and timings.
    struct Answer {
        var index: Int
        var api = HistoryAPI.queryRange
        var series: [MatrixReader.Series]
        var bytes: Int
        var waitSeconds: Double
        var parseSeconds: Double
        var warnings: [String] = []
    }

    private func fetchAll(
        _ plan: RangeQueryPlan,
        progress: @escaping @Sendable (HistoryProgress) -> Void
    ) async throws(HistoryReadError) -> ([[MatrixReader.Series]], HistoryReadStats) {
        var results = [[MatrixReader.Series]](repeating: [], count: plan.queries.count)
        var stats = HistoryReadStats()
        // With `auto`, the first answer settles the API: one request alone, then the rest in parallel.
        // Settled on remote read, each query still falls back to `query_range` where remote read cannot
        // express its selector (`--match 'sum(up)'` after a plain one failed the whole read).
        var api = source.api
        var settled = api != .auto
        let external: [String: String]
        if api == .queryRange {
            external = [:]
        } else if let externalLabels {
            external = externalLabels
        } else {
            external = await ExternalLabels.read(source, transport: transport)
        }
        let outcome: Result<Void, HistoryReadError> = await withTaskGroup(
            of: Result<Answer, HistoryReadError>.self
        ) { group in
            var next = 0
            var done = 0
            var bytes = 0
            var seriesCount = 0
            func launch() {
                guard next < plan.queries.count else { return }
                let index = next
                let query = plan.queries[index]
                next += 1
                group.addTask { [api] in
                    do throws(HistoryReadError) {
                        var answer = try await fetch(query, api: api, externalLabels: external)
                        answer.index = index
                        return .success(answer)
                    } catch {
                        return .failure(error)
                    }
                }
            }
            for _ in 0..<(settled ? source.concurrency : 1) { launch() }
            while let finished = await group.next() {
                switch finished {
                case .failure(let error):
                    group.cancelAll()
                    return .failure(error)
                case .success(let answer):
                    results[answer.index] = answer.series
                    stats.api = answer.api
                    stats.requests += 1
                    stats.bytes += answer.bytes
                    stats.waitSeconds += answer.waitSeconds
                    stats.parseSeconds += answer.parseSeconds
                    stats.warnings = HistoryReadStats.warnings(stats.warnings, adding: answer.warnings)
                    done += 1
                    bytes += answer.bytes
                    seriesCount += answer.series.count
                    progress(
                        HistoryProgress(
                            queriesDone: done,
                            queries: plan.queries.count,
                            bytes: bytes,
                            series: seriesCount
                        )
                    )
                    if !settled {
                        settled = true
                        if answer.api == .queryRange { api = .queryRange }
                        for _ in 1..<source.concurrency { launch() }
                    }
                    launch()
                }
            }
            return .success(())
        }
        try outcome.get()
        return (results, stats)
    }

    /// One query through `api`: remote read where asked and offered, else `query_range`.
    func fetch(
        _ query: RangeQueryPlan.Query,
        api: HistoryAPI,
        externalLabels: [String: String] = [:]
    ) async throws(HistoryReadError) -> Answer {
        guard api != .queryRange else { return try await fetchRange(query) }
        switch try await fetchRemote(query, externalLabels: externalLabels) {
        case .answer(let answer): return answer
        case .unsupported(let reason):
            guard api == .auto else {
                throw HistoryReadError(description: "\(source.displayURL) remote read \(query.selector): \(reason)")
            }
            return try await fetchRange(query)
        }
    }

    /// One `query_range` as a form POST (a long selector does not fit every proxy's URL limit).
    func fetchRange(_ query: RangeQueryPlan.Query) async throws(HistoryReadError) -> Answer {
        let form = [
            ("query", query.selector), ("start", Self.seconds(query.start)), ("end", Self.seconds(query.end)),
            ("step", Self.seconds(query.step)),
        ]
        .map { "\($0.0)=\(Self.formEncoded($0.1))" }.joined(separator: "&")
        let what =
            "\(source.displayURL) query_range \(query.selector) [\(Timestamp.utc(query.start)) … \(Timestamp.utc(query.end)), step \(Self.seconds(query.step))s]"
        let clock = ContinuousClock()
        let sent = clock.now
        let response = try await post(
            "/api/v1/query_range",
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: Array(form.utf8),
            what: what
        )
        let received = clock.now
        let answer: MatrixReader.Answer
        do {
            answer = try MatrixReader.read(response.body, expectedPoints: query.points)
        } catch {
            // Not Prometheus's JSON at all (a proxy's HTML page, a 404): the status says more than the parse.
            let status = response.status == 200 ? "" : "HTTP \(response.status), "
            // A gateway's 504 page: the query ran out of its time there.
            throw HistoryReadError(
                description: "\(what): \(status)unreadable answer: \(error)",
                tooHeavy: response.status == 504
            )
        }
        switch answer {
        case .failure(let errorType, let message):
            // Prometheus's words for a query too heavy for it: `execution` ("would load too many
            // samples", HTTP 422) and `timeout` (HTTP 503).
            throw HistoryReadError(
                description: "\(what): HTTP \(response.status) \(errorType): \(message)",
                tooHeavy: errorType == "execution" || errorType == "timeout"
            )
        case .matrix(let series, let warnings):
            guard response.status == 200 else {
                throw HistoryReadError(
                    description: "\(what): HTTP \(response.status)",
                    tooHeavy: response.status == 504
                )
            }
            return Answer(
                index: 0,
                series: series,
                bytes: response.body.count,
                waitSeconds: Self.seconds(received - sent),
                parseSeconds: Self.seconds(clock.now - received),
                warnings: warnings.map { "\(what): \($0)" }
            )
        }
    }

    /// One POST to Prometheus with the source's credentials, TLS and bounds; a failed transfer is named by
    /// `what` (the query), with a hint when the answer was too large.
    func post(
        _ path: String,
        headers: [(String, String)],
        body: [UInt8],
        what: String
    ) async throws(HistoryReadError) -> HTTPResponse {
        let request = HTTPRequest(
            url: source.url + path,
            method: .post,
            headers: headers,
            body: body,
            timeout: source.timeout,
            maxBodyBytes: source.maxResponseBytes,
            tls: source.tls,
            authorization: source.authorization
        )
        var delays = source.retryDelays[...]
        while true {
            let outcome: Result<HTTPResponse, HTTPClientError>
            do {
                outcome = .success(try await transport.execute(request))
            } catch {
                outcome = .failure(error)
            }
            if let delay = delays.popFirst(), Self.passing(outcome), !Task.isCancelled {
                await pause(delay)
                continue
            }
            switch outcome {
            case .success(let response):
                return response
            case .failure(let error):
                let hint =
                    error.kind == .bodyTooLarge ? " (narrow it with --namespace or --match, or shorten --since)" : ""
                throw HistoryReadError(
                    description: "\(what): \(error.message)\(hint)",
                    tooHeavy: error.kind == .bodyTooLarge || error.kind == .timeout
                )
            }
        }
    }

    /// Whether a request's outcome is a passing failure, worth trying again. Not a query that ran out of
    /// time (a 504 from a gateway, Prometheus's 503 with `errorType` `timeout` or `execution`): it is too
    /// heavy, and would only run out of time again, on a server already strained.
    static func passing(_ outcome: Result<HTTPResponse, HTTPClientError>) -> Bool {
        switch outcome {
        case .success(let response):
            guard [429, 502, 503].contains(response.status) else { return false }
            let text = errorText(response.body)
            return !text.contains(#""errorType":"timeout""#) && !text.contains(#""errorType":"execution""#)
        // A connection refused or unresolved is a wrong URL more often than a passing state: not retried.
        case .failure(let error): return error.kind == .transfer
        }
    }

    /// The answers in plan order, each label set one series: windows appended in time order, and a
    /// series a later selector selects again adds nothing (its points are not after the ones kept).
    static func assemble(_ plan: RangeQueryPlan, _ answers: [[MatrixReader.Series]]) -> MetricHistory {
        var positions: [[String: String]: Int] = [:]
        var merged: [MetricHistory.Series] = []
        for answer in answers {
            for series in answer {
                guard let position = positions[series.labels] else {
                    positions[series.labels] = merged.count
                    merged.append(
                        MetricHistory.Series(
                            labels: series.labels,
                            type: Self.type(of: series.labels["__name__"] ?? ""),
                            times: series.times,
                            values: series.values
                        )
                    )
                    continue
                }
                let last = merged[position].times.last ?? -.infinity
                guard let first = series.times.firstIndex(where: { $0 > last }) else { continue }
                merged[position].times += series.times[first...]
                merged[position].values += series.values[first...]
            }
        }
        var history = MetricHistory()
        for series in merged where !series.times.isEmpty { history.append(series) }
        return history
    }

    /// The type a series's name implies. `query_range` says nothing of types; OpenMetrics names every
    /// counter sample `_total`, and the engine rates buckets whatever their type, so the name is enough
    /// for the engine to treat a series as it does on a replay.
    static func type(of name: String) -> MetricType {
        if name.hasSuffix("_total") { return .counter }
        if name.hasSuffix("_bucket") { return .histogram }
        return .unknown
    }

    /// Seconds as Prometheus reads them: to the millisecond, without exponent.
    static func seconds(_ value: Double) -> String {
        let milliseconds = Int64((value * 1000).rounded())
        let whole = milliseconds / 1000
        let fraction = abs(milliseconds % 1000)
        guard fraction != 0 else { return String(whole) }
        var digits = String(String(fraction + 1000).dropFirst())
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }

    static func formEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlUnreserved) ?? text
    }
}
