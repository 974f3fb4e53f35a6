import Foundation
import VigilHTTP

/// A transport that answers from a script and remembers what it was asked.
final class FakeTransport: HTTPTransport, @unchecked Sendable {
    // NSLock, not Synchronization.Mutex: ThreadSanitizer understands pthread locks.
    private let lock = NSLock()
    /// Bytes per streamed piece: small and odd, so most lines are split.
    let pieceSize: Int
    /// What the next request gets: a response or an error, or no answer until its task is cancelled (as
    /// libcurl's transfer is aborted then).
    private enum Answer {
        case result(Result<HTTPResponse, HTTPClientError>)
        case hang
    }
    private var state: (answers: [Answer], requests: [HTTPRequest]) = ([], [])

    init(pieceSize: Int = 7) { self.pieceSize = pieceSize }

    func answer(_ body: String, status: Int = 200, contentType: String? = "text/plain; version=0.0.4") {
        let headers = contentType.map { [("Content-Type", $0)] } ?? []
        let response = HTTPResponse(
            status: status,
            headers: headers,
            body: Array(body.utf8),
            bytesOnWire: body.utf8.count
        )
        lock.withLock { state.answers.append(.result(.success(response))) }
    }

    func fail(_ error: HTTPClientError) {
        lock.withLock { state.answers.append(.result(.failure(error))) }
    }

    /// The next request is answered only by its task's cancellation, with libcurl's `.cancelled`.
    func hangUntilCancelled() {
        lock.withLock { state.answers.append(.hang) }
    }

    var requests: [HTTPRequest] { lock.withLock { state.requests } }

    func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
        let answer = lock.withLock {
            state.requests.append(request)
            return state.answers.removeFirst()
        }
        switch answer {
        case .result(let result): return try result.get()
        case .hang:
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            throw HTTPClientError(.cancelled, "\(request.url): cancelled")
        }
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
