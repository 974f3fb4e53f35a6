import Foundation
import Testing

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

    @Test func speaksMCPOverStdioAndEndsWithItsInput() throws {
        let process = Process()
        process.executableURL = Self.binary
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
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let lines = LineReader(output.fileHandleForReading)
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
        // Foundation's waitUntilExit spins forever off the main thread on Linux: poll until it is reaped,
        // a minute at most so a server that ignores its closed input fails the test instead of hanging it.
        for _ in 0..<12_000 where process.isRunning { usleep(5_000) }
        #expect(!process.isRunning, "vigil mcp went on after its input closed")
        if !process.isRunning { #expect(process.terminationStatus == 0) }
    }
}
