/// A transport that answers every request with the same response, without a network: for measuring
/// what happens after the bytes arrive (`vigil bench pipeline`, the pipeline benchmarks).
public struct FixedResponseTransport: HTTPTransport {
    public let response: HTTPResponse

    /// A 200 answer with `body` as text 0.0.4.
    public init(body: [UInt8], contentType: String = "text/plain; version=0.0.4") {
        response = HTTPResponse(
            status: 200,
            headers: [("Content-Type", contentType)],
            body: body,
            bytesOnWire: body.count
        )
    }

    public func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse { response }

    public func stream(
        _ request: HTTPRequest,
        onChunk: @escaping @Sendable ([UInt8]) -> Bool
    ) async throws(HTTPClientError) -> HTTPResponse {
        _ = onChunk(response.body)
        return response
    }
}
