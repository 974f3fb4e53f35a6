import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The Python fixture server on a free loopback port, started for a test and stopped with it.
final class FixtureServer: @unchecked Sendable {
    let process = Process()
    let port: Int

    let scheme: String

    /// `tls`: a certificate and key (PEM) to serve HTTPS with; `clientCA`: require client certificates
    /// signed by it (mutual TLS).
    init(tls: (certificate: String, key: String)? = nil, clientCA: String? = nil) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fixture_server.py")
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", script.path] + (tls.map { ["--tls", $0.certificate, $0.key] } ?? [])
            + (clientCA.map { ["--client-ca", $0] } ?? [])
        scheme = tls == nil ? "http" : "https"
        process.standardOutput = output
        try process.run()
        // The first line is the port; readLine-style read of a few bytes is enough.
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

    func url(_ path: String) -> String { "\(scheme)://127.0.0.1:\(port)\(path)" }

    /// Stops the server. SIGKILL, because the child may inherit a signal mask that blocks SIGTERM; then
    /// poll until Foundation has reaped it (its `waitUntilExit` spins forever off the main thread on
    /// Linux, and reaping with `waitpid` ourselves would leave Foundation holding the `Process`).
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        while process.isRunning { usleep(5_000) }
    }

    deinit {
        stop()
    }
}
