import Foundation
import Testing
import VigilCLI

/// Polls (every 100 ms, at most `seconds`) until `condition` holds: for a daemon under test, whose state
/// changes on its own clock.
func eventually(_ seconds: Double = 30, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}

/// The result of running `vigil` in-process.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `vigil ARGUMENTS` in this process with a capturing console.
func vigil(_ arguments: String...) async -> CommandResult {
    await vigil(arguments)
}

/// The same, with the arguments as an array.
func vigil(_ arguments: [String]) async -> CommandResult {
    let out = Captured()
    let err = Captured()
    let console = Console(writeOut: { out.append($0) }, writeError: { err.append($0) })
    let status = await Console.$current.withValue(console) {
        await VigilCommand.run(arguments)
    }
    return CommandResult(status: status, stdout: out.text, stderr: err.text)
}

/// Text written from any thread; NSLock rather than Synchronization.Mutex, which ThreadSanitizer
/// cannot see through on Linux.
final class Captured: @unchecked Sendable {
    private let lock = NSLock()
    private var written = ""

    func append(_ text: String) { lock.withLock { written += text } }
    var text: String { lock.withLock { written } }
}

/// A temporary file holding `contents`, removed by the caller's `defer`.
func temporaryFile(_ contents: String, suffix: String = ".prom") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-test-\(UUID().uuidString)\(suffix)")
    try Data(contents.utf8).write(to: url)
    return url
}

let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
