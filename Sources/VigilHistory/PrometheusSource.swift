import Foundation
public import VigilHTTP

/// Which of Prometheus's APIs reads history.
public enum HistoryAPI: String, Sendable, CaseIterable {
    /// Remote read's streamed chunks; `query_range` when the server does not offer them.
    case auto
    /// `POST /api/v1/read` with streamed XOR chunks: the samples as stored, stepped here as PromQL steps
    /// them — no evaluation and no JSON on the server, a few bytes per sample on the wire.
    case remoteRead = "remote-read"
    /// `query_range`: Prometheus evaluates each step and writes JSON, ten times the bytes and most of the time.
    case queryRange = "query-range"
}

/// Where Prometheus is and how to reach it: its URL (with any path prefix) and the scrape-style
/// options — bearer token or basic auth, TLS — and the bounds on each request.
public struct PrometheusSource: Sendable {
    public var url: String
    /// The URL as errors, logs and reports name it: without a password it may carry (libcurl takes
    /// `http://user:password@host`), which would otherwise reach a report or an agent.
    public var displayURL: String { URLUserInfo.redacted(url) }
    public var authorization: Authorization?
    public var tls: TLSConfiguration
    /// Seconds for one request, body included.
    public var timeout: Double
    /// Largest answer accepted (decoded bytes): a selector matching far more than expected stops here.
    public var maxResponseBytes: Int
    /// Most points one remote-read answer may give once stepped onto its grid, where one sample fills
    /// every step of its lookback (a `query_range` answer's are bounded by `maxResponseBytes`): 20 M, 320 MB
    /// held, twice the diagnosis recorder's 20,000 series × 480 points.
    public var maxPoints = 20_000_000
    /// Requests in flight at once.
    public var concurrency: Int
    public var api: HistoryAPI
    /// Seconds a sample stays current when stepping remote-read samples: Prometheus's
    /// `--query.lookback-delta`, whose default this is.
    public var lookbackDelta: Double
    /// The waits before each further try of a request that met a passing failure (a connection broken
    /// mid-answer, 429, 502, 503 but not a query's timeout: a restarting Prometheus, a query frontend
    /// shedding load): one such answer among dozens of windows failed the whole read, and the daemon's
    /// backfill learnt from nothing.
    public var retryDelays: [Duration] = [.seconds(1), .seconds(3)]

    public init(
        url: String,
        authorization: Authorization? = nil,
        tls: TLSConfiguration = TLSConfiguration(),
        timeout: Double = 60,
        maxResponseBytes: Int = 256 << 20,
        concurrency: Int = 4,
        api: HistoryAPI = .auto,
        lookbackDelta: Double = 300
    ) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.authorization = authorization
        self.tls = tls
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.concurrency = max(1, concurrency)
        self.api = api
        self.lookbackDelta = lookbackDelta
    }
}

extension PrometheusSource {
    /// The `data` of a GET of one of Prometheus's JSON endpoints (`/api/v1/status/config`,
    /// `/api/v1/targets`), with this source's credentials, TLS and timeout, the answer at most
    /// `maxBytes`; nil when it does not answer 200 with Prometheus's envelope.
    public func data(of path: String, transport: any HTTPTransport, maxBytes: Int = 16 << 20) async -> [String: Any]? {
        let request = HTTPRequest(
            url: url + path,
            headers: [("Accept", "application/json")],
            timeout: timeout,
            maxBodyBytes: maxBytes,
            tls: tls,
            authorization: authorization
        )
        guard let response = try? await transport.execute(request), response.status == 200,
            let envelope = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        else { return nil }
        return envelope["data"] as? [String: Any]
    }
}
