import Foundation
import Testing

/// What `vigil mcp` checks before it serves: a recording it cannot read is said at the start (exit 2),
/// not in every tool call's answer of a server that seemed to start.
struct MCPStartTests {
    @Test func aRecordingThatCannotBeReadStopsTheStart() async throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-no-recording-\(UUID())")
        let result = await vigil(["mcp", "--replay", missing.path, "--rules", MCPSessionTests.rules])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty, "nothing on the protocol's stream")
        #expect(result.stderr.hasPrefix("vigil mcp: \(missing.path)"), "\(result.stderr)")
    }
}
