import HummingbirdCore
import Logging
import NIOCore

/// What bounds the server's connections, so idle or half-sent connections cannot pile up until the
/// process runs out of descriptors (a slowloris):
///
/// - ``readHeaderTimeout``: from accepting a connection (TLS handshake included) to a complete request
///   head; a client still sending its first head then is disconnected. Go's `http.Server` calls this
///   `ReadHeaderTimeout`; 10 s is the common choice for Prometheus-ecosystem servers.
/// - ``readTimeout``: from a request's head to the end of its body. 5 minutes, as Prometheus's
///   `--web.read-timeout` (Go's `ReadTimeout`): a body trickled a byte at a time is cut off then, though
///   every byte restarts the idle timeout.
/// - ``idleTimeout``: how long a connection may go without a complete request part or a response,
///   between keep-alive requests and while a later request is half-sent. 5 minutes, so a scraper's
///   kept-alive connection survives its scrape interval.
/// - ``maxConnections``: connections served at once (Prometheus's `--web.max-connections`, 512); beyond
///   it new connections wait in the listen backlog until one closes.
public struct ConnectionLimits: Sendable, Equatable {
    public var readHeaderTimeout: Duration
    public var readTimeout: Duration
    public var idleTimeout: Duration
    public var maxConnections: Int

    public init(
        readHeaderTimeout: Duration = .seconds(10),
        readTimeout: Duration = .seconds(300),
        idleTimeout: Duration = .seconds(300),
        maxConnections: Int = 512
    ) {
        self.readHeaderTimeout = readHeaderTimeout
        self.readTimeout = readTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
    }

    /// Hummingbird's HTTP/1.1 channel with the idle timeout and a ``RequestReadTimeout`` per connection.
    public var http1Configuration: HTTP1Channel.Configuration {
        let headTimeout = TimeAmount(readHeaderTimeout)
        let readTimeout = TimeAmount(readTimeout)
        return HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestReadTimeout(headTimeout: headTimeout, readTimeout: readTimeout)],
            idleTimeout: TimeAmount(idleTimeout)
        )
    }
}
