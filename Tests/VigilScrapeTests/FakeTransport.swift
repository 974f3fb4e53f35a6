import Synchronization
import VigilHTTP

/// A transport that answers from a script and remembers what it was asked.
final class FakeTransport: HTTPTransport {
    private let state = Mutex<(answers: [Result<HTTPResponse, HTTPClientError>], requests: [HTTPRequest])>(([], []))

    func answer(_ body: String, status: Int = 200, contentType: String? = "text/plain; version=0.0.4") {
        let headers = contentType.map { [("Content-Type", $0)] } ?? []
        let response = HTTPResponse(
            status: status,
            headers: headers,
            body: Array(body.utf8),
            bytesOnWire: body.utf8.count
        )
        state.withLock { $0.answers.append(.success(response)) }
    }

    func fail(_ error: HTTPClientError) {
        state.withLock { $0.answers.append(.failure(error)) }
    }

    var requests: [HTTPRequest] { state.withLock { $0.requests } }

    func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
        let answer = state.withLock { state in
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
