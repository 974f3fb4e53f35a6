import Foundation
import Synchronization
import Testing
import VigilCLI

/// The result of running `vigil` in-process.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `vigil ARGUMENTS` in this process with a capturing console.
func vigil(_ arguments: String...) async -> CommandResult {
    let out = Mutex("")
    let err = Mutex("")
    let console = Console(
        writeOut: { text in out.withLock { $0 += text } },
        writeError: { text in err.withLock { $0 += text } }
    )
    let status = await Console.$current.withValue(console) {
        await VigilCommand.run(arguments)
    }
    return CommandResult(status: status, stdout: out.withLock { $0 }, stderr: err.withLock { $0 })
}

/// A temporary file holding `contents`, removed by the caller's `defer`.
func temporaryFile(_ contents: String, suffix: String = ".prom") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-test-\(UUID().uuidString)\(suffix)")
    try Data(contents.utf8).write(to: url)
    return url
}

let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
