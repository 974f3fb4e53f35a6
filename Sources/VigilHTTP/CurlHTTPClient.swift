import CCurl
import Foundation

/// The HTTP client over libcurl's multi interface: every transfer of the process runs on one event
/// thread (no thread per target), callers await results, and cancelling the awaiting task aborts the
/// transfer.
///
/// libcurl brings HTTP/1.1 and HTTP/2, TLS through the system OpenSSL, gzip/deflate/brotli/zstd
/// decoding; each request says which proxy carries it (``ProxyRoute``: by default the proxy environment
/// variables, read as Go reads them).
public final class CurlHTTPClient: HTTPTransport {
    private let loop: CurlEventLoop
    /// Monotonic nanoseconds: when each transfer's deadline falls, and whether it passed while the
    /// body was being decoded.
    private let clock: @Sendable () -> UInt64

    /// Starts the event thread.
    public convenience init() {
        self.init(clock: { DispatchTime.now().uptimeNanoseconds })
    }

    /// `clock` gives monotonic nanoseconds (tests move it to pass a deadline mid-body).
    init(clock: @escaping @Sendable () -> UInt64) {
        self.clock = clock
        loop = CurlEventLoop()
        let loop = self.loop
        let thread = Thread { loop.run() }
        thread.name = "vigil-http"
        thread.start()
    }

    deinit {
        loop.shutDown()
    }

    public func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
        try await perform(request, onChunk: nil)
    }

    public func stream(
        _ request: HTTPRequest,
        onChunk: @escaping HTTPChunkHandler
    ) async throws(HTTPClientError) -> HTTPResponse {
        try await perform(request, onChunk: onChunk)
    }

    private func perform(
        _ request: HTTPRequest,
        onChunk: HTTPChunkHandler?
    ) async throws(HTTPClientError) -> HTTPResponse {
        let transfer = try CurlTransfer(request, onChunk: onChunk, clock: clock)
        let loop = self.loop
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                transfer.continuation = continuation
                loop.submit(transfer)
            }
        } onCancel: {
            // A task already cancelled runs this before the transfer is submitted: the mark makes the
            // event thread refuse it when it arrives (a watch started during shutdown would otherwise
            // run to its server-side timeout, minutes later).
            transfer.markCancelled()
            loop.cancel(transfer)
        }
        return try result.get()
    }
}

/// The event thread's side: the multi handle, and the queue callers hand transfers through.
final class CurlEventLoop: @unchecked Sendable {
    private struct Inbox {
        var added: [CurlTransfer] = []
        /// The transfers themselves, not their `ObjectIdentifier`s: a transfer that finished and was
        /// freed before the event thread drained this list could have its address reused by a new
        /// transfer, which a cancellation keyed by address would then abort. Held here, the cancelled
        /// transfer stays alive (its address taken) until the event thread has looked at it.
        var cancelled: [CurlTransfer] = []
        var shuttingDown = false
    }

    /// The longest sleep in curl_multi_poll: an hour, only a backstop.
    static let idleWaitMilliseconds: Int32 = 3_600_000

    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    // The multi handle is only touched by the event thread, except curl_multi_wakeup, which libcurl
    // documents as safe to call from any thread.
    private let multi: UnsafeMutableRawPointer
    // A pthread-backed lock rather than Synchronization.Mutex: ThreadSanitizer sees through pthread
    // locks, while on Linux it does not see Mutex's futex and reports false races.
    private let lock = NSLock()
    private var inbox = Inbox()

    init() {
        _ = Self.globalInit
        multi = curl_multi_init()!
    }

    func submit(_ transfer: CurlTransfer) {
        lock.withLock { inbox.added.append(transfer) }
        curl_multi_wakeup(multi)
    }

    func cancel(_ transfer: CurlTransfer) {
        lock.withLock { inbox.cancelled.append(transfer) }
        curl_multi_wakeup(multi)
    }

    func shutDown() {
        lock.withLock { inbox.shuttingDown = true }
        curl_multi_wakeup(multi)
    }

    /// The event thread's body: add new transfers, drive them all, finish completed ones, sleep in
    /// curl_multi_poll until there is work or a wake-up.
    func run() {
        var active: [ObjectIdentifier: CurlTransfer] = [:]
        var byHandle: [UnsafeMutableRawPointer: CurlTransfer] = [:]
        while true {
            let inbox = lock.withLock { () -> Inbox in
                let taken = self.inbox
                self.inbox.added.removeAll()
                self.inbox.cancelled.removeAll()
                return taken
            }
            for transfer in inbox.added {
                guard !transfer.isCancelled else {
                    transfer.finish(.failure(HTTPClientError(.cancelled, "\(transfer.url): cancelled")))
                    continue
                }
                active[ObjectIdentifier(transfer)] = transfer
                byHandle[transfer.handle] = transfer
                curl_multi_add_handle(multi, transfer.handle)
            }
            for cancelled in inbox.cancelled {
                // Only if it is still in flight (it may have finished meanwhile) — and it is that very
                // transfer: the cancelled one is alive, so no other can have its identifier.
                guard let transfer = active.removeValue(forKey: ObjectIdentifier(cancelled)) else { continue }
                byHandle[transfer.handle] = nil
                curl_multi_remove_handle(multi, transfer.handle)
                transfer.finish(.failure(HTTPClientError(.cancelled, "\(transfer.url): cancelled")))
            }
            if inbox.shuttingDown {
                for transfer in active.values {
                    curl_multi_remove_handle(multi, transfer.handle)
                    transfer.finish(.failure(HTTPClientError(.cancelled, "\(transfer.url): client shut down")))
                }
                curl_multi_cleanup(multi)
                return
            }
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                    let transfer = byHandle.removeValue(forKey: handle)
                else { continue }
                let code = message.pointee.data.result
                active[ObjectIdentifier(transfer)] = nil
                curl_multi_remove_handle(multi, handle)
                transfer.finish(transfer.outcome(code))
            }
            // No periodic wake-up: submit, cancel and shutdown wake the poll (curl_multi_wakeup), and
            // libcurl shortens the wait to its own next timer (a transfer's timeout) by itself. An idle
            // sidecar should cost nothing between scrapes.
            curl_multi_poll(multi, nil, 0, Self.idleWaitMilliseconds, nil)
        }
    }
}
