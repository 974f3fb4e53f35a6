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
        onChunk: @escaping HTTPChunkHandler
    ) async throws(HTTPClientError) -> HTTPResponse {
        // In libcurl's read size, so a streamed parse sees pieces as it does from the network.
        let head = response.head
        let pieceSize = 512 * 1024
        let completed = response.body.withUnsafeBytes { body -> Bool in
            var start = 0
            while start < body.count {
                let end = min(start + pieceSize, body.count)
                guard onChunk(head, UnsafeRawBufferPointer(rebasing: body[start..<end])) else { return false }
                start = end
            }
            return true
        }
        guard completed else { throw HTTPClientError(.cancelled, "\(request.url): stopped by the stream consumer") }
        return HTTPResponse(
            status: response.status,
            headers: response.headers,
            body: [],
            bytesOnWire: response.body.count
        )
    }
}
