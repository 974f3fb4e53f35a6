public import VigilHTTP

/// Where Prometheus is and how to reach it: its URL (with any path prefix) and the scrape-style
/// options — bearer token or basic auth, TLS — and the bounds on each request.
public struct PrometheusSource: Sendable {
    public var url: String
    public var authorization: Authorization?
    public var tls: TLSConfiguration
    /// Seconds for one request, body included.
    public var timeout: Double
    /// Largest answer accepted (decoded bytes): a selector matching far more than expected stops here.
    public var maxResponseBytes: Int
    /// Requests in flight at once.
    public var concurrency: Int

    public init(
        url: String,
        authorization: Authorization? = nil,
        tls: TLSConfiguration = TLSConfiguration(),
        timeout: Double = 60,
        maxResponseBytes: Int = 256 << 20,
        concurrency: Int = 4
    ) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.authorization = authorization
        self.tls = tls
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.concurrency = max(1, concurrency)
    }
}
