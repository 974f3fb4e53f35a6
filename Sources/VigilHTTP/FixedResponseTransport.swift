/// A transport that answers every request with the same response, without a network: for measuring
/// what happens after the bytes arrive (`vigil bench pipeline`, the pipeline benchmarks).
public struct FixedResponseTransport: HTTPTransport {
    public let response: HTTPResponse
    /// Bytes per streamed piece: libcurl's read size by default, so a streamed parse sees pieces as it
    /// does from the network; tests choose small odd sizes, so most lines are split.
    public let pieceSize: Int

    /// A 200 answer with `body` as text 0.0.4.
    public init(body: [UInt8], contentType: String = "text/plain; version=0.0.4") {
        self.init(
            response: HTTPResponse(
                status: 200,
                headers: [("Content-Type", contentType)],
                body: body,
                bytesOnWire: body.count
            )
        )
    }

    public init(response: HTTPResponse, pieceSize: Int = 512 * 1024) {
        self.response = response
        self.pieceSize = max(1, pieceSize)
    }

    public func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse { response }

    public func stream(
        _ request: HTTPRequest,
        onChunk: @escaping HTTPChunkHandler
    ) async throws(HTTPClientError) -> HTTPResponse {
        let head = response.head
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
