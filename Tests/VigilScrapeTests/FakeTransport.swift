import Foundation
import VigilHTTP

/// A transport that answers from a script and remembers what it was asked.
final class FakeTransport: HTTPTransport, @unchecked Sendable {
    // NSLock, not Synchronization.Mutex: ThreadSanitizer understands pthread locks.
    private let lock = NSLock()
    /// Bytes per streamed piece: small and odd, so most lines are split.
    let pieceSize: Int
    private var state: (answers: [Result<HTTPResponse, HTTPClientError>], requests: [HTTPRequest]) = ([], [])

    init(pieceSize: Int = 7) { self.pieceSize = pieceSize }

    func answer(_ body: String, status: Int = 200, contentType: String? = "text/plain; version=0.0.4") {
        let headers = contentType.map { [("Content-Type", $0)] } ?? []
        let response = HTTPResponse(
            status: status,
            headers: headers,
            body: Array(body.utf8),
            bytesOnWire: body.utf8.count
        )
        lock.withLock { state.answers.append(.success(response)) }
    }

    func fail(_ error: HTTPClientError) {
        lock.withLock { state.answers.append(.failure(error)) }
    }

    var requests: [HTTPRequest] { lock.withLock { state.requests } }

    func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
        let answer = lock.withLock {
            state.requests.append(request)
            return state.answers.removeFirst()
        }
        return try answer.get()
    }

    /// Hands the body over in pieces of `pieceSize` bytes, so lines are split between pieces as the
    /// network splits them.
    func stream(
        _ request: HTTPRequest,
        onChunk: @escaping HTTPChunkHandler
    ) async throws(HTTPClientError) -> HTTPResponse {
        let response = try await execute(request)
        return try await FixedResponseTransport(response: response, pieceSize: pieceSize).stream(
            request,
            onChunk: onChunk
        )
    }
}
