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
        case gated(Gate, HTTPResponse)
    }

    /// Holds an answer back until ``release()``; a cancelled request gives up waiting, as libcurl's
    /// transfer is aborted.
    final class Gate: @unchecked Sendable {
        private let lock = NSLock()
        private var released = false
        private var waiting: [CheckedContinuation<Void, Never>] = []

        func release() {
            let resumed = lock.withLock {
                released = true
                defer { waiting = [] }
                return waiting
            }
            for continuation in resumed { continuation.resume() }
        }

        /// True once released; false when the waiting task was cancelled first.
        func wait() async -> Bool {
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let now = lock.withLock {
                        if released || Task.isCancelled { return true }
                        waiting.append(continuation)
                        return false
                    }
                    if now { continuation.resume() }
                }
            } onCancel: {
                let resumed = lock.withLock {
                    defer { waiting = [] }
                    return waiting
                }
                for continuation in resumed { continuation.resume() }
            }
            return lock.withLock { released }
        }
    }

    private var state: (answers: [Answer], requests: [HTTPRequest]) = ([], [])

    init(pieceSize: Int = 7) { self.pieceSize = pieceSize }

    func answer(_ body: String, status: Int = 200, contentType: String? = "text/plain; version=0.0.4") {
        let response = Self.response(body, status: status, contentType: contentType)
        lock.withLock { state.answers.append(.result(.success(response))) }
    }

    /// The next request, before any answer already queued, is answered `body`.
    func answerFirst(_ body: String) {
        lock.withLock { state.answers.insert(.result(.success(Self.response(body))), at: 0) }
    }

    /// The next request is answered `body` once the returned gate is released.
    func answerWhenReleased(_ body: String) -> Gate {
        let gate = Gate()
        lock.withLock { state.answers.append(.gated(gate, Self.response(body))) }
        return gate
    }

    private static func response(
        _ body: String,
        status: Int = 200,
        contentType: String? = "text/plain; version=0.0.4"
    ) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: contentType.map { [("Content-Type", $0)] } ?? [],
            body: Array(body.utf8),
            bytesOnWire: body.utf8.count
        )
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
        case .gated(let gate, let response):
            guard await gate.wait() else { throw HTTPClientError(.cancelled, "\(request.url): cancelled") }
            return response
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
