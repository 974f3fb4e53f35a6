import Foundation

/// A Python test server on a free loopback port — it prints the port on its first line — started for a
/// test and killed with it, or, if the test process dies first, by its ``OrphanGuard``.
public final class LoopbackScript: @unchecked Sendable {
    public let process = Process()
    public let port: Int
    /// Held for the server's life: it stops the server when this goes.
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
        // Thrown, the guard goes and stops the server.
        guard let port = Int(String(decoding: line, as: UTF8.self)) else { throw CocoaError(.fileReadCorruptFile) }
        self.port = port
    }

    /// Stops the server now (``OrphanGuard/stop()``).
    public func stop() {
        orphanGuard.stop()
    }
}
