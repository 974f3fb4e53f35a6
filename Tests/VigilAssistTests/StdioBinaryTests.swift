import Foundation
import Testing
import VigilTestKit

#if canImport(Glibc)
import Glibc
#endif

/// `vigil mcp` as an MCP client starts it: the built binary, JSON-RPC messages one per line on its
/// standard input and output (the 2025-06-18 stdio transport), nothing else on standard output.
@Suite struct StdioBinaryTests {
    /// The binary built beside the test bundle.
    static var binary: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("vigil")
    }

    /// Reads standard output a line at a time; nil once the process has closed it.
    final class LineReader: @unchecked Sendable {
        private let handle: FileHandle
        private var buffer = Data()

        init(_ handle: FileHandle) { self.handle = handle }

        func next() -> String? {
            while true {
                if let newline = buffer.firstIndex(of: 10) {
                    let line = buffer[buffer.startIndex..<newline]
                    buffer = Data(buffer[(newline + 1)...])
                    return String(decoding: line, as: UTF8.self)
                }
                let chunk = handle.availableData
                guard !chunk.isEmpty else { return nil }
                buffer.append(chunk)
            }
        }
    }

    @Test func speaksMCPOverStdioAndEndsWithItsInput() async throws {
        let (process, input, lines) = try Self.start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        func send(_ message: String) { input.fileHandleForWriting.write(Data((message + "\n").utf8)) }
        func answer() throws -> [String: Any] {
            let line = try #require(lines.next())
            return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }

        send(
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}"#
        )
        let initialized = try answer()
        #expect(initialized["id"] as? Int == 1)
        let result = try #require(initialized["result"] as? [String: Any])
        #expect((result["serverInfo"] as? [String: Any])?["name"] as? String == "vigil")
        #expect((result["capabilities"] as? [String: Any])?["tools"] != nil)
        send(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)

        send(#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_incidents","arguments":{}}}"#)
        let called = try answer()
        #expect(called["id"] as? Int == 2)
        let content = try #require((called["result"] as? [String: Any])?["content"] as? [[String: Any]])
        let text = try #require(content.first?["text"] as? String)
        #expect(text.contains("\"workload\":\"deployment/checkout\""))

        // A line that is not JSON-RPC is answered with an error, and the server goes on.
        send("this is not json")
        let refused = try answer()
        #expect((refused["error"] as? [String: Any])?["code"] as? Int == -32700)
        #expect(refused["id"] is NSNull, "JSON-RPC answers a parse error with a null id: \(refused)")
        send("1")
        let fragment = try answer()
        #expect((fragment["error"] as? [String: Any])?["code"] as? Int == -32600)
        #expect(fragment["id"] is NSNull, "\(fragment)")
        send(#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#)
        #expect(try answer()["id"] as? Int == 3)

        // Two megabytes without a newline: refused with an error (not held, not parsed), and the server goes on.
        input.fileHandleForWriting.write(Data(repeating: UInt8(ascii: "x"), count: 2 << 20))
        send("")
        send(#"{"jsonrpc":"2.0","id":4,"method":"tools/list"}"#)
        // The refusal is written as the line is dropped; the next answer may overtake it.
        let answers = [try answer(), try answer()]
        let refusal = try #require(answers.first { $0["error"] != nil }?["error"] as? [String: Any])
        #expect(refusal["code"] as? Int == -32600)
        #expect((refusal["message"] as? String)?.contains("longer than 262144 bytes") == true)
        #expect(answers.contains { $0["id"] as? Int == 4 && $0["result"] != nil })

        // The client closing standard input ends the server.
        try input.fileHandleForWriting.close()
        #expect(lines.next() == nil)
        // Foundation's waitUntilExit spins forever off the main thread on Linux: poll until it has ended,
        // a minute at most so a server that ignores its closed input fails the test instead of hanging it.
        #expect(
            await Self.end(of: process) == ProcessEnd(status: 0),
            "vigil mcp went on after its input closed, or failed"
        )
    }

    /// A client that leaves its end of the input pipe non-blocking (the read end is shared with the
    /// server): "nothing yet" is no end of input. The server took it for one and exited at once, silent.
    @Test func aNonBlockingInputIsWaitedOn() throws {
        let (process, input, lines) = try Self.start { input in
            let fd = input.fileHandleForReading.fileDescriptor
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // Nothing written until the server has tried to read: it polls rather than ending.
        usleep(500_000)
        #expect(process.end == nil, "vigil mcp ended before its input did")
        input.fileHandleForWriting.write(Data(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#.utf8 + [10]))
        let answer = try #require(lines.next())
        #expect(answer.contains(#""id":1"#) && answer.contains(#""result""#), "\(answer)")
        try input.fileHandleForWriting.close()
    }

    /// How `process` ended, waiting a minute at most, so that a server that ignores its closed input fails
    /// the test instead of hanging it; nil if it did not end.
    static func end(of process: Process) async -> ProcessEnd? {
        for _ in 0..<12_000 {
            if let end = process.end { return end }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// `vigil mcp` on a replay, its pipes, and a watchdog: SIGKILL after `seconds`, so a server that hangs
    /// fails the test (its output closes) instead of hanging it.
    static func start(
        watchdog seconds: Double = hangTimeout,
        preparing prepare: (Pipe) -> Void = { _ in }
    ) throws -> (Process, input: Pipe, output: LineReader) {
        let process = Process()
        process.executableURL = binary
        process.arguments = [
            "mcp", "--replay",
            repositoryRoot.appendingPathComponent("sample-metrics/scenarios/crashloop-after-rollout-1").path,
            "--rules", repositoryRoot.appendingPathComponent("rules").path,
        ]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        prepare(input)
        // Called off once the process has ended, so that no other process that takes its pid is killed.
        let ended = Locked(false)
        process.terminationHandler = { _ in ended.withLock { $0 = true } }
        try process.run()
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            ended.withLock { if !$0 { kill(pid, SIGKILL) } }
        }
        return (process, input, LineReader(output.fileHandleForReading))
    }

    /// A client that writes requests and stops reading the answers meets a full pipe: the server reads no
    /// further once sixteen requests are owed an answer (the SDK starts a task for each request it reads,
    /// and kept reading as fast as the client wrote, so its tasks and their answers grew without bound).
    /// Once the client reads again, every request is answered.
    @Test func aClientThatStopsReadingIsNotReadFurther() async throws {
        let (process, input, lines) = try Self.start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        // 2,000 pings of 442 bytes each (their ids are 400 characters, and every answer repeats its id):
        // 884,000 bytes, while each pipe holds 64 KiB.
        let count = 2_000
        let padding = String(repeating: "x", count: 392)
        func id(_ index: Int) -> String { "\(padding)\(10_000_000 + index)" }
        let pings = Data(
            (0..<count).map { #"{"jsonrpc":"2.0","id":"\#(id($0))","method":"ping"}"# + "\n" }.joined().utf8
        )
        let stdin = input.fileHandleForWriting.fileDescriptor
        let accepted = await offThePool {
            // Written without blocking, until the server has read nothing for 3 s.
            _ = fcntl(stdin, F_SETFL, fcntl(stdin, F_GETFL) | O_NONBLOCK)
            defer { _ = fcntl(stdin, F_SETFL, fcntl(stdin, F_GETFL) & ~O_NONBLOCK) }
            var offset = 0
            var idle = 0
            while offset < pings.count, idle < 300 {
                let written = pings[offset...].withUnsafeBytes { write(stdin, $0.baseAddress, $0.count) }
                if written > 0 {
                    offset += written
                    idle = 0
                } else {
                    idle += 1
                    usleep(10_000)
                }
            }
            return offset
        }
        // The input pipe, one 64-KiB read, the requests answered into the output pipe (about 140) and the
        // 16 owed: about 200 KB (197 KB here; a 3-s pause of a slow server only makes it less). Unbounded,
        // all of it.
        #expect(accepted < 512 * 1024, "the server read \(accepted) of \(pings.count) bytes without answering")

        // Read again: the rest goes in, and every ping is answered.
        async let answers: [String] = offThePool { (0..<count).compactMap { _ in lines.next() } }
        await offThePool { input.fileHandleForWriting.write(pings[accepted...]) }
        let answered = await answers
        #expect(answered.count == count)
        let ids = answered.compactMap { $0.firstMatch(of: /"id":"x+(\d+)"/).flatMap { Int($0.1) } }
        #expect(Set(ids) == Set((0..<count).map { 10_000_000 + $0 }))
        try input.fileHandleForWriting.close()
    }

    /// Requests written and the input closed at once, as `echo '{…}' | vigil mcp` does: every one is
    /// answered before the process ends. The SDK's server stops at the end of input, and the answers its
    /// tasks were still working on ended with the process.
    @Test func requestsSentJustBeforeTheInputEndsAreAnswered() async throws {
        let (process, input, lines) = try Self.start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let requests = [
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"diagnose","arguments":{"namespace":"shop"}}}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list_incidents","arguments":{}}}"#,
        ]
        input.fileHandleForWriting.write(Data(requests.map { $0 + "\n" }.joined().utf8))
        try input.fileHandleForWriting.close()
        let answers = await offThePool {
            var answers: [[String: Any]] = []
            while let line = lines.next() {
                if let answer = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] {
                    answers.append(answer)
                }
            }
            return answers.compactMap { $0["result"] != nil ? $0["id"] as? Int : nil }
        }
        #expect(answers.sorted() == [1, 2, 3])
        #expect(await Self.end(of: process) == ProcessEnd(status: 0))
    }
}
