import Foundation
import Testing
import VigilHTTP
import VigilTestKit

/// A test's fixture server must not outlive the test process: one that did held the standard error it
/// inherited, and `swift test` waited on that pipe until CI's time limit after a crash.
struct LoopbackScriptTests {
    @Test func aServerWhoseTestProcessIsGoneExitsByItself() async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fixture_server.py")
        let server = try LoopbackScript(script: script)
        let response = try await CurlHTTPClient().execute(HTTPRequest(url: "http://127.0.0.1:\(server.port)/plain"))
        #expect(response.status == 200)

        // What the kernel does to the server's standard input when the test process dies.
        server.closeInput()
        let deadline = ContinuousClock.now + .seconds(30)
        while server.process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        // Required: reading how a running process ended would trap and take the test run down with it.
        try #require(!server.process.isRunning)
        // Exited by itself, not killed.
        #expect(server.process.terminationReason == .exit)
        #expect(server.process.terminationStatus == 0)
    }
}
