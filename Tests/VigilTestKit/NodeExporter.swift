import Foundation

/// Debian's prometheus-node-exporter listening on a loopback port, started for a test and stopped with
/// it, or, if the test process dies first, by its ``OrphanGuard``.
public final class NodeExporter: @unchecked Sendable {
    public let port: Int
    private let process = Process()
    /// Held for the exporter's life: it stops the exporter when this goes.
    private let orphanGuard: OrphanGuard

    /// Starts it on `127.0.0.1:port` with `arguments` besides; it listens shortly after, not at once.
    public init(port: Int, arguments: [String] = []) throws {
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        self.port = port
        orphanGuard = try OrphanGuard.run(
            process,
            URL(fileURLWithPath: "/usr/bin/prometheus-node-exporter"),
            ["--web.listen-address=127.0.0.1:\(port)"] + arguments
        )
    }

    /// Waits (at most 50 tries, 100 ms apart) until its port accepts a connection while it runs; false if
    /// it never did, or it exited (a port already taken makes it exit, and the connection then reached
    /// another program).
    public func listening() async -> Bool {
        for _ in 0..<50 where process.end == nil {
            if (try? RawConnection(port: port)) != nil { return process.end == nil }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
