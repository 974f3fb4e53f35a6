import Foundation
import Logging
import MCP

#if canImport(Glibc)
import Glibc
#endif

/// `vigil mcp`'s transport: the Model Context Protocol's stdio framing (one JSON-RPC message a line on
/// standard input and output), as the SDK's `StdioTransport` speaks it, but with a bound on a message.
/// The SDK's transport keeps an unfinished line without limit and rescans it on every read (two
/// megabytes without a newline kept it busy for 21.7 s); here a ``LineFramer`` holds at most
/// ``defaultMaxLineBytes`` of a line, and a longer one is answered with a JSON-RPC error and dropped
/// unread while the session goes on.
actor BoundedStdioTransport: Transport {
    nonisolated let logger: Logger
    private let input: Int32
    private let output: Int32
    private let maxLineBytes: Int
    private let messages: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
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
        (messages, continuation) = AsyncThrowingStream.makeStream()
    }

    /// The answer to a line that is not a JSON-RPC message or batch (an object or an array), or nil.
    static func refusal(of line: Data) -> Data? {
        switch try? JSONSerialization.jsonObject(with: line, options: .fragmentsAllowed) {
        case nil:
            Data(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}"#.utf8)
        case .some(let value) where !(value is [String: Any] || value is [Any]):
            Data(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}"#.utf8)
        default:
            nil
        }
    }

    /// The answer to a line over the limit: JSON-RPC's "invalid request", with no id to answer to.
    static func refusal(maxLineBytes: Int) -> Data {
        Data(
            #"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: a message longer than \#(maxLineBytes) bytes was refused unread"}}"#
                .utf8
        )
    }

    /// Starts reading standard input on a thread of its own (a blocking read must not hold one of the
    /// cooperative pool's few threads); the messages end when the input does.
    func connect() async throws {
        guard !connected else { return }
        connected = true
        let (input, limit, continuation) = (self.input, self.maxLineBytes, self.continuation)
        let thread = Thread { [weak self] in
            var framer = LineFramer(maxLineBytes: limit)
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                for piece in framer.feed(buffer[..<count]) {
                    switch piece {
                    case .line(let bytes):
                        let data = Data(bytes)
                        // Not JSON, or JSON that is no message (`1`, `"a"`): JSON-RPC's parse error or
                        // invalid request, with the null id it asks for (the SDK answered with an id of
                        // its own making, which no request had).
                        if let refusal = Self.refusal(of: data) {
                            Task { try? await self?.send(refusal) }
                            continue
                        }
                        continuation.yield(data)
                    case .overlong:
                        Task { try? await self?.send(Self.refusal(maxLineBytes: limit)) }
                    }
                }
            }
            continuation.finish()
        }
        thread.start()
    }

    func disconnect() async {
        guard connected else { return }
        connected = false
        continuation.finish()
    }

    /// Writes `message` and its newline whole (one message a line: nothing else goes to `output`).
    func send(_ message: Data) async throws {
        var bytes = [UInt8](message)
        bytes.append(UInt8(ascii: "\n"))
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(output, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            guard count > 0 else { throw MCPError.transportError(POSIXError(.EPIPE)) }
            written += count
        }
    }

    func receive() -> AsyncThrowingStream<Data, any Error> { messages }
}
