import Foundation
import VigilTestKit

/// The Python fixture server on a free loopback port, started for a test and stopped with it.
final class FixtureServer: @unchecked Sendable {
    private let server: LoopbackScript
    let scheme: String

    var port: Int { server.port }

    /// `tls`: a certificate and key (PEM) to serve HTTPS with; `clientCA`: require client certificates
    /// signed by it (mutual TLS).
    init(tls: (certificate: String, key: String)? = nil, clientCA: String? = nil) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fixture_server.py")
        server = try LoopbackScript(
            script: script,
            arguments: (tls.map { ["--tls", $0.certificate, $0.key] } ?? [])
                + (clientCA.map { ["--client-ca", $0] } ?? [])
        )
        scheme = tls == nil ? "http" : "https"
    }

    func url(_ path: String) -> String { "\(scheme)://127.0.0.1:\(port)\(path)" }

    func stop() { server.stop() }
}
