import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A Python test server on a free loopback port — it prints the port on its first line — started for a
/// test and killed with it, or, if the test process dies first, by its ``OrphanGuard``.
public final class LoopbackScript: @unchecked Sendable {
    public let process = Process()
    public let port: Int
    /// Held for the server's life: releasing it kills the server.
    private let orphanGuard: OrphanGuard

    public init(script: URL, arguments: [String] = []) throws {
        let output = Pipe()
        process.standardOutput = output
        orphanGuard = try OrphanGuard.run(
            process,
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", script.path] + arguments
        )
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), let first = byte.first, first != 10 {
            line.append(first)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            kill(process.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadCorruptFile)
        }
        self.port = port
    }

    /// Stops the server: SIGKILL (a fixture has nothing to save), then poll until Foundation has reaped
    /// it (its `waitUntilExit` spins forever off the main thread on Linux, and reaping with `waitpid`
    /// ourselves would leave Foundation holding the `Process`).
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        while process.isRunning { usleep(5_000) }
    }

    deinit {
        stop()
    }
}
