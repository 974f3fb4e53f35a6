import Foundation
import VigilHTTP

/// A transport that answers from a script and remembers what it was asked.
final class FakeTransport: HTTPTransport, @unchecked Sendable {
    // NSLock, not Synchronization.Mutex: ThreadSanitizer understands pthread locks.
    private let lock = NSLock()
    private var state: (answers: [Result<HTTPResponse, HTTPClientError>], requests: [HTTPRequest]) = ([], [])

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

    func stream(
        _ request: HTTPRequest,
        onChunk: @escaping @Sendable ([UInt8]) -> Bool
    ) async throws(HTTPClientError) -> HTTPResponse {
        try await execute(request)
    }
}
