/// The seam between Vigil and the network: scraping and the Kubernetes client take any transport, so
/// tests can give them a fake one.
public protocol HTTPTransport: Sendable {
    /// Performs `request` and returns the whole response.
    func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse

    /// Performs `request`, handing the body to `onChunk` as it arrives, with the response's head (a
    /// Kubernetes watch; a scrape parsed as it arrives); returns the response with an empty body once the
    /// server ends it. `onChunk` runs on the transport's thread, one call at a time, and the bytes are
    /// valid only during the call. Returning false stops the transfer.
    func stream(
        _ request: HTTPRequest,
        onChunk: @escaping HTTPChunkHandler
    ) async throws(HTTPClientError) -> HTTPResponse
}

/// Takes one piece of a streamed body; false stops the transfer.
public typealias HTTPChunkHandler = @Sendable (_ head: HTTPResponseHead, _ bytes: UnsafeRawBufferPointer) -> Bool
