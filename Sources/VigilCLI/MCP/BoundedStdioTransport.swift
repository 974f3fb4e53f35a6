import Foundation
import Logging
import MCP
import VigilAssist

#if canImport(Glibc)
import Glibc
#endif

/// `vigil mcp`'s transport: the Model Context Protocol's stdio framing (one JSON-RPC message a line on
/// standard input and output), as the SDK's `StdioTransport` speaks it, but with a bound on a message.
/// The SDK's transport keeps an unfinished line without limit and rescans it on every read (two
/// megabytes without a newline kept it busy for 21.7 s); here a ``LineFramer`` holds at most
/// ``defaultMaxLineBytes`` of a line, and a longer one is answered with a JSON-RPC error and dropped
/// unread while the session goes on. And it reads no further while its ``StdioBacklog`` is full: 16
/// requests owed an answer, 16 lines not yet taken or 16 answers not yet written (the SDK's own reads on
/// as fast as the client writes, and starts a task for every request).
actor BoundedStdioTransport: Transport {
    nonisolated let logger: Logger
    private let input: Int32
    private let output: Int32
    private let maxLineBytes: Int
    private let backlog = StdioBacklog()
    private var connected = false

    /// A tool call is a few hundred bytes; the daemon's `/mcp` reads 256 KiB at most, and so does this.
    static let defaultMaxLineBytes = 256 * 1024

    init(
        input: Int32 = STDIN_FILENO,
        output: Int32 = STDOUT_FILENO,
        maxLineBytes: Int = defaultMaxLineBytes,
        logger: Logger = Logger(label: "vigil.mcp") { _ in SwiftLogNoOpLogHandler() }
    ) {
        self.input = input
        self.output = output
        self.maxLineBytes = maxLineBytes
        self.logger = logger
    }

    /// The answer to a line over the limit: JSON-RPC's "invalid request", with no id to answer to.
    static func refusal(maxLineBytes: Int) -> Data {
        IncomingMessage.error(-32600, "Invalid Request: a message longer than \(maxLineBytes) bytes was refused unread")
    }

    /// Starts reading standard input on a thread of its own (a blocking read, and a wait for room in the
    /// backlog, must not hold one of the cooperative pool's few threads); the messages end when the input
    /// does.
    func connect() async throws {
        guard !connected else { return }
        connected = true
        let (input, limit, backlog) = (self.input, self.maxLineBytes, self.backlog)
        let thread = Thread { [weak self] in
            /// A refusal of the transport's own, written once the backlog has room for it.
            func refuse(_ refusal: Data) {
                guard backlog.reserveAnswer() else { return }
                Task { [weak self] in
                    try? await self?.writeLine(refusal)
                    backlog.written()
                }
            }
            var framer = LineFramer(maxLineBytes: limit)
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                if count < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                    // Standard input left non-blocking by the client: no input yet is not its end. This
                    // thread is the reader's own, so it may wait.
                    var wanted = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
                    _ = poll(&wanted, 1, -1)
                    continue
                }
                guard count > 0 else { break }
                for piece in framer.feed(buffer[..<count]) {
                    switch piece {
                    case .line(let bytes):
                        let data = Data(bytes)
                        let line = IncomingMessage(data)
                        if let refusal = line.refusal {
                            refuse(refusal)
                            continue
                        }
                        backlog.put(data, owing: line.requestIDs, cancelling: line.cancelledIDs)
                    case .overlong:
                        refuse(Self.refusal(maxLineBytes: limit))
                    }
                }
            }
            backlog.end()
        }
        thread.start()
    }

    func disconnect() async {
        guard connected else { return }
        connected = false
        backlog.close()
    }

    /// Writes the server's `message`, counted in the backlog until it is written.
    nonisolated func send(_ message: Data) async throws {
        backlog.answerComing()
        defer {
            // Settled written or not: a client gone is owed nothing.
            backlog.answered(IncomingMessage.answeredIDs(in: message))
            backlog.written()
        }
        try await writeLine(message)
    }

    /// Returns once every request read is answered and every answer written, or after `grace`: at the
    /// end of input the SDK's server stops, and its tasks still answering would end with the process.
    /// (`echo '{…"tools/call"…}' | vigil mcp` printed nothing.)
    nonisolated func drained(within grace: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now + grace
        while !backlog.isSettled, clock.now < deadline {
            try? await clock.sleep(for: .milliseconds(10))
        }
    }

    /// Writes `message` and its newline whole (one message a line: nothing else goes to `output`).
    private func writeLine(_ message: Data) async throws {
        var bytes = [UInt8](message)
        bytes.append(UInt8(ascii: "\n"))
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(output, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                // Standard output non-blocking and full: the client reads slower. Wait for room without
                // suspending: a suspension would let another answer's write into the middle of this line.
                var room = pollfd(fd: output, events: Int16(POLLOUT), revents: 0)
                _ = poll(&room, 1, 100)
                continue
            }
            guard count > 0 else { throw MCPError.transportError(POSIXError(.EPIPE)) }
            written += count
        }
    }

    func receive() -> AsyncThrowingStream<Data, any Error> {
        let backlog = self.backlog
        return AsyncThrowingStream { await backlog.take() }
    }
}
