import Foundation

/// What `vigil mcp` has read from its client and not yet done with: the lines waiting for the SDK's
/// server to take them, the requests owed an answer, and the answers waiting to be written. The SDK
/// starts a task for every request it takes and goes on reading, and every answer waits its turn to be
/// written; so a client that sends faster than Vigil answers, or stops reading its answers, would make
/// the server hold tasks and answers without bound. Instead the thread reading standard input stops
/// reading while any of the three is at its limit, and the client meets a full pipe.
///
/// A request is owed until its answer is written, or its cancellation read (the SDK then answers it
/// with nothing; its work may still be finishing: ``CallGate`` bounds that). ``IncomingMessage`` refuses
/// what it knows the SDK would answer under another id, or not at all. Should a request still stay owed
/// for ever (the SDK changing under us), the reader lets the next request in once it has waited
/// `patience` for room: the session slows to a request per `patience` instead of stopping.
///
/// Back-pressure has the usual cost: a client that closes its input but neither reads nor closes its
/// output leaves the reader waiting, and one that writes all its requests before reading any answer
/// waits on Vigil while Vigil waits on it.
final class StdioBacklog: @unchecked Sendable {
    /// The reader stops at this many lines read and not yet taken by the server.
    let maxWaiting: Int
    /// The reader stops at this many requests owed an answer (a line of more goes in once fewer are).
    let maxOwed: Int
    /// The reader stops at this many answers (the server's, and the transport's own refusals) on their
    /// way to be written.
    let maxUnwritten: Int
    /// How long a request waits for room among the requests owed before it goes in anyway.
    let patience: TimeInterval

    // NSCondition, a pthread mutex and condition variable: ThreadSanitizer sees through it.
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var waiting: [Data] = []
    private var taker: CheckedContinuation<Data?, Never>?
    /// Requests owed an answer, by id (``IncomingMessage/requestIDs``): how many with that id.
    private var owed: [String: Int] = [:]
    private var owedCount = 0
    private var unwritten = 0
    /// No line comes after those waiting: the input has ended.
    private var ended = false
    /// The session is over: nothing more is taken or waited for.
    private var closed = false

    /// Sixteen of each: an agent asks a few tools at once (``CallGate`` answers four at a time), and a
    /// line is at most 256 KiB (a batch at most 16 requests, ``IncomingMessage/maxBatch``), so what waits
    /// stays within a few megabytes.
    /// Two minutes of patience: longer than a tool call takes (a `diagnose` reads Prometheus for seconds).
    init(maxWaiting: Int = 16, maxOwed: Int = 16, maxUnwritten: Int = 16, patience: TimeInterval = 120) {
        precondition(maxWaiting > 0 && maxOwed > 0 && maxUnwritten > 0, "a backlog holds at least one of each")
        self.maxWaiting = maxWaiting
        self.maxOwed = maxOwed
        self.maxUnwritten = maxUnwritten
        self.patience = patience
    }

    /// Hands `line`, with the requests it makes and those it cancels, to the server. Blocks the calling
    /// thread (the reader's own, never one of Swift's pool) while the backlog is full; a line that makes
    /// no request (a cancellation among them) waits only for room among the lines and answers. After
    /// `close()` the line is dropped.
    func put(_ line: Data, owing requests: [String] = [], cancelling cancelled: [String] = []) {
        condition.lock()
        for id in cancelled { settle(id) }
        let deadline = Date(timeIntervalSinceNow: patience)
        while isFull || (!closed && !requests.isEmpty && owedCount >= maxOwed) {
            if isFull {
                condition.wait()
            } else if !condition.wait(until: deadline) {
                break
            }
        }
        if closed {
            condition.unlock()
            return
        }
        for id in requests { owed[id, default: 0] += 1 }
        owedCount += requests.count
        if let taker {
            self.taker = nil
            condition.unlock()
            taker.resume(returning: line)
        } else {
            waiting.append(line)
            condition.unlock()
        }
    }

    /// Counts an answer the reader will write itself (a refusal), once there is room for it; false after
    /// `close()`. `written()` gives the room back.
    func reserveAnswer() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while isFull { condition.wait() }
        guard !closed else { return false }
        unwritten += 1
        return true
    }

    /// Counts an answer of the server's, which is on its way to be written. Never waits: the server's
    /// tasks run on Swift's pool, which must not block; the reader stops instead.
    func answerComing() {
        condition.withLock { unwritten += 1 }
    }

    /// An answer counted by `reserveAnswer()` or `answerComing()` is written (or failed to be).
    func written() {
        condition.withLock {
            unwritten -= 1
            condition.broadcast()
        }
    }

    /// The server's answers to `requests` are written (or failed to be: a client gone is owed nothing).
    func answered(_ requests: [String]) {
        condition.withLock {
            for id in requests { settle(id) }
        }
    }

    /// Whether the server waits in `take()` for a line.
    var isTaking: Bool { condition.withLock { taker != nil } }

    /// Whether every request read is answered, and every answer written.
    var isSettled: Bool { condition.withLock { owedCount == 0 && unwritten == 0 } }

    /// The next line, once there is one; nil once the input has ended and every line is taken, or the
    /// session is closed (also when the taking task is cancelled: the server is stopping).
    func take() async -> Data? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                condition.lock()
                precondition(taker == nil, "one task takes the lines")
                if !waiting.isEmpty {
                    let line = waiting.removeFirst()
                    condition.broadcast()
                    condition.unlock()
                    continuation.resume(returning: line)
                } else if ended || closed || Task.isCancelled {
                    condition.unlock()
                    continuation.resume(returning: nil)
                } else {
                    taker = continuation
                    condition.unlock()
                }
            }
        } onCancel: {
            close()
        }
    }

    /// The input has ended: the lines waiting are still taken, then `take()` gives nil.
    func end() {
        condition.lock()
        ended = true
        let taker = waiting.isEmpty ? self.taker : nil
        if taker != nil { self.taker = nil }
        condition.unlock()
        taker?.resume(returning: nil)
    }

    /// The session is over: lines waiting are dropped, nothing is owed, and neither the reader nor the
    /// server waits.
    func close() {
        condition.lock()
        closed = true
        waiting = []
        owed = [:]
        owedCount = 0
        let taker = self.taker
        self.taker = nil
        condition.broadcast()
        condition.unlock()
        taker?.resume(returning: nil)
    }

    /// Guarded by `condition`.
    private func settle(_ id: String) {
        guard let count = owed[id] else { return }
        owed[id] = count > 1 ? count - 1 : nil
        owedCount -= 1
        condition.broadcast()
    }

    private var isFull: Bool { !closed && (waiting.count >= maxWaiting || unwritten >= maxUnwritten) }
}
