import Foundation

/// A target whose answer changes from one request to the next: `bodies` in turn, each a 200 as text
/// 0.0.4 (``FixedResponseTransport``'s). `vigil bench pipeline --vary` and the pipeline benchmark serve
/// an exposition and the same with every value changed, so every series varies.
public final class CyclingBodyTransport: HTTPTransport, @unchecked Sendable {
    private let bodies: [FixedResponseTransport]
    // An NSLock, not Synchronization's Mutex, which ThreadSanitizer does not see through.
    private let lock = NSLock()
    private var served = 0

    public init(bodies: [[UInt8]]) {
        precondition(!bodies.isEmpty, "a cycling transport needs a body to serve")
        self.bodies = bodies.map { FixedResponseTransport(body: $0) }
    }

    private func next() -> FixedResponseTransport {
        lock.withLock {
            let body = bodies[served % bodies.count]
            served += 1
            return body
        }
    }

    public func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
        try await next().execute(request)
    }

    public func stream(
        _ request: HTTPRequest,
        onChunk: @escaping HTTPChunkHandler
    ) async throws(HTTPClientError)
        -> HTTPResponse
    {
        try await next().stream(request, onChunk: onChunk)
    }
}
