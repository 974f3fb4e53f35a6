/// A complete HTTP response.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Response headers of the final response, names as sent.
    public var headers: [(name: String, value: String)]
    /// The decoded body.
    public var body: [UInt8]
    /// Body bytes as they came over the wire (before decompression).
    public var bytesOnWire: Int

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8], bytesOnWire: Int) {
        self.status = status
        self.headers = headers
        self.body = body
        self.bytesOnWire = bytesOnWire
    }

    /// The status and headers.
    public var head: HTTPResponseHead { HTTPResponseHead(status: status, headers: headers) }

    /// The first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? { head.header(name) }
}

/// Why a request failed, with libcurl's own words in `message`.
public struct HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The connect or total timeout passed.
        case timeout
        /// No connection: refused, unreachable, or the name did not resolve.
        case connection
        /// The decoded body reached `maxBodyBytes`.
        case bodyTooLarge
        /// Certificate verification or the TLS handshake failed.
        case tls
        /// The request itself is unusable (bad URL, unreadable token file).
        case invalidRequest
        /// The caller cancelled, or the stream consumer stopped the transfer.
        case cancelled
        /// Anything else libcurl reported.
        case transfer
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
