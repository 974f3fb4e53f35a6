import Foundation
import Logging
import Testing
import VigilHTTP
import VigilServer
import VigilTestKit

/// One web configuration file for node_exporter and Vigil: Debian's prometheus-node-exporter (the
/// exporter toolkit in Go) and Vigil read the same web.yml, and answer the same requests alike.
@Suite(.serialized)
struct NodeExporterParityTests {
    /// "s3cret" at cost 4 (Go's bcrypt accepts 4 to 31 as well).
    static let hash = "$2y$04$Sx4d0cO42FhOxNu3EOAp0eURZ4l3IoGyUWUeBZYu3Q1jzeYv4aOg6"

    /// What a client sees of an answer, beside the body of a success.
    struct Seen: Equatable, CustomStringConvertible {
        var status: Int
        var challenge: String?
        var frameOptions: String?
        var refusalBody: String?
        var description: String { "\(status) \(challenge ?? "-") \(frameOptions ?? "-") \(refusalBody ?? "-")" }
    }

    func see(_ url: String, ca: String, _ authorization: Authorization?) async throws -> Seen {
        let response = try await CurlHTTPClient().execute(
            // Generous: under a loaded CI run (ThreadSanitizer, the other suites) a TLS handshake and a bcrypt
            // check in a debug build can take seconds.
            HTTPRequest(url: url, timeout: hangTimeout, tls: .init(caFile: ca), authorization: authorization)
        )
        return Seen(
            status: response.status,
            challenge: response.header("WWW-Authenticate"),
            frameOptions: response.header("X-Frame-Options"),
            refusalBody: response.status == 200 ? nil : String(decoding: response.body, as: UTF8.self)
        )
    }

    @Test func theSameWebConfigFileIsReadAndEnforcedAlike() async throws {
        let certificate = try TestCertificate()
        defer { try? FileManager.default.removeItem(at: certificate.directory) }
        let config = certificate.directory.appendingPathComponent("web.yml").path
        try """
        tls_server_config:
          cert_file: cert.pem
          key_file: cert-key.pem
          min_version: TLS12
        http_server_config:
          headers:
            X-Frame-Options: deny
        basic_auth_users:
          alice: \(Self.hash)

        """.write(toFile: config, atomically: true, encoding: .utf8)

        let exporter = try NodeExporter(port: try LoopbackPort.free(), arguments: ["--web.config.file=\(config)"])
        defer { withExtendedLifetime(exporter) {} }  // running until the test ends, not until its last use
        try #require(await exporter.listening(), "node_exporter did not start listening")
        let nodeExporter = "https://127.0.0.1:\(exporter.port)/metrics"

        let security = try WebSecurity.load(
            webConfigFile: config,
            bearerTokenFile: nil,
            enabled: [],
            logger: Logger(label: "test")
        )
        let vigil = try await TestServer(security: security)
        let cases: [(String, Authorization?)] = [
            ("no credentials", nil),
            ("right password", .basic(username: "alice", password: "s3cret")),
            ("wrong password", .basic(username: "alice", password: "wrong")),
            ("unknown user", .basic(username: "mallory", password: "s3cret")),
        ]
        for (name, authorization) in cases {
            let theirs = try await see(nodeExporter, ca: certificate.certificate, authorization)
            let ours = try await see(
                "https://127.0.0.1:\(vigil.port)/metrics",
                ca: certificate.certificate,
                authorization
            )
            #expect(ours == theirs, "\(name): node_exporter \(theirs), vigil \(ours)")
            #expect(
                ours.status == (authorization == .basic(username: "alice", password: "s3cret") ? 200 : 401),
                "\(name)"
            )
            #expect(ours.frameOptions == "deny", "\(name)")
        }
        await vigil.stop()
    }
}
