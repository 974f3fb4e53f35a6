/// The seam between Vigil and the network: scraping and the Kubernetes client take any transport, so
/// tests can give them a fake one.
public protocol HTTPTransport: Sendable {
    /// Performs `request` and returns the whole response.
    func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse

    /// Performs `request`, handing the body to `onChunk` as it arrives (a Kubernetes watch); returns the
    /// response with an empty body once the server ends it. `onChunk` returning false stops the transfer.
    func stream(
        _ request: HTTPRequest,
        onChunk: @escaping @Sendable ([UInt8]) -> Bool
    ) async throws(HTTPClientError) -> HTTPResponse
}
