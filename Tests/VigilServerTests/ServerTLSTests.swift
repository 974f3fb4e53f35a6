import Foundation
import Logging
import Testing
import VigilHTTP
import VigilServer
import VigilTestKit

/// TLS from the web configuration file: served, rotated without a restart, and mutual.
@Suite(.serialized)
struct ServerTLSTests {
    static let logger = Logger(label: "test")

    /// A client certificate the test CA signed required (`TestCertificate`'s files).
    static let mutualTLS = """
        tls_server_config:
          cert_file: cert.pem
          key_file: cert-key.pem
          client_auth_type: RequireAndVerifyClientCert
          client_ca_file: cert.pem

        """

    func ask(
        _ url: String,
        tls: VigilHTTP.TLSConfiguration,
        _ authorization: Authorization? = nil
    ) async throws
        -> HTTPResponse
    {
        try await CurlHTTPClient().execute(
            HTTPRequest(url: url, timeout: hangTimeout, tls: tls, authorization: authorization)
        )
    }

    /// Whether a request failed in the TLS handshake (or the connection was dropped during it).
    func refused(_ url: String, tls: VigilHTTP.TLSConfiguration) async -> Bool {
        do {
            _ = try await ask(url, tls: tls)
            return false
        } catch {
            return true
        }
    }

    /// Whether connections are TLS is decided at the start: a web configuration that gains or loses
    /// `tls_server_config` later says it takes a restart, rather than being ignored in silence.
    @Test(arguments: [false, true])
    func aChangeOfTLSAfterTheStartIsLoggedAsNeedingARestart(startsWithTLS: Bool) throws {
        let certificate = try TestCertificate()
        defer { try? FileManager.default.removeItem(at: certificate.directory) }
        let config = certificate.directory.appendingPathComponent("web.yml").path
        let tls = "tls_server_config: {cert_file: cert.pem, key_file: cert-key.pem}\n"
        let plain = "http_server_config: {headers: {X-Frame-Options: deny}}\n"
        try (startsWithTLS ? tls : plain).write(toFile: config, atomically: true, encoding: .utf8)
        let log = LogRecorder()
        let security = try WebSecurity.load(
            webConfigFile: config,
            bearerTokenFile: nil,
            enabled: [],
            logger: log.logger
        )
        #expect(security.servesTLS == startsWithTLS)

        try (startsWithTLS ? plain : tls).write(toFile: config, atomically: true, encoding: .utf8)
        _ = security.webConfig?.current()
        let warnings = log.entries.filter { $0.level == .warning }.map(\.message)
        #expect(
            warnings == [
                startsWithTLS
                    ? "tls_server_config removed: TLS connections are refused until it is back or Vigil restarts "
                        + "(and then serves plain HTTP)"
                    : "tls_server_config added: connections stay plain HTTP until Vigil restarts"
            ]
        )
        #expect(security.servesTLS == startsWithTLS, "decided at the start")
    }

    @Test func servesTLSAndPicksUpARotatedCertificateAtTheNextConnection() async throws {
        let first = try TestCertificate()
        defer { try? FileManager.default.removeItem(at: first.directory) }
        let config = first.directory.appendingPathComponent("web.yml").path
        try "tls_server_config: {cert_file: cert.pem, key_file: cert-key.pem}\n".write(
            toFile: config,
            atomically: true,
            encoding: .utf8
        )
        let security = try WebSecurity.load(
            webConfigFile: config,
            bearerTokenFile: nil,
            enabled: [],
            logger: Self.logger
        )
        let server = try await TestServer(security: security)
        let https = "https://127.0.0.1:\(server.port)/healthz"
        let trusted = try await ask(https, tls: .init(caFile: first.certificate))
        #expect(trusted.status == 200)
        #expect(String(decoding: trusted.body, as: UTF8.self) == "ok\n")
        // Plain HTTP on the TLS port is never answered in the clear.
        #expect(
            (try? await CurlHTTPClient().execute(HTTPRequest(url: "http://127.0.0.1:\(server.port)/healthz"))) == nil
        )

        // Rotate: a new certificate and key over the old files, as a Secret volume update does.
        let second = try TestCertificate(in: first.directory, fileName: "next")
        try FileManager.default.removeItem(atPath: first.key)
        try FileManager.default.moveItem(atPath: second.key, toPath: first.key)
        let oldCA = first.directory.appendingPathComponent("old-ca.pem").path
        try FileManager.default.moveItem(atPath: first.certificate, toPath: oldCA)
        try FileManager.default.copyItem(atPath: second.certificate, toPath: first.certificate)
        #expect(try await ask(https, tls: .init(caFile: second.certificate)).status == 200)
        #expect(await refused(https, tls: .init(caFile: oldCA)))

        // A file that no longer loads: no handshake at all, and never a fallback to plain HTTP.
        try "tls_server_config: {cert_file: missing.pem, key_file: cert-key.pem}\n".write(
            toFile: config,
            atomically: true,
            encoding: .utf8
        )
        #expect(await refused(https, tls: .init(caFile: second.certificate)))
        #expect(
            (try? await CurlHTTPClient().execute(HTTPRequest(url: "http://127.0.0.1:\(server.port)/healthz"))) == nil
        )
        // Closed at once, not left open with the client waiting (as a failed channel setup alone did).
        #expect(try await RawConnection(port: server.port).readUntilClosed(waitingAtMost: 60))
        await server.stop()
    }

    /// The request-head timeout runs from accept, so a client that never finishes (or starts) the TLS
    /// handshake is closed by it too.
    @Test func aSilentConnectionToTheTLSPortIsClosedByTheHeadTimeout() async throws {
        let identity = try TestCertificate()
        defer { try? FileManager.default.removeItem(at: identity.directory) }
        let config = identity.directory.appendingPathComponent("web.yml").path
        try "tls_server_config: {cert_file: cert.pem, key_file: cert-key.pem}\n".write(
            toFile: config,
            atomically: true,
            encoding: .utf8
        )
        let security = try WebSecurity.load(
            webConfigFile: config,
            bearerTokenFile: nil,
            enabled: [],
            limits: ConnectionLimits(readHeaderTimeout: .milliseconds(300)),
            logger: Self.logger
        )
        let server = try await TestServer(security: security)
        let silent = try RawConnection(port: server.port)
        let halfHello = try RawConnection(port: server.port)
        halfHello.send("\u{16}\u{03}\u{01}")
        #expect(await silent.readUntilClosed(waitingAtMost: 60))
        #expect(await halfHello.readUntilClosed(waitingAtMost: 60))
        await server.stop()
    }

    /// `RequireAndVerifyClientCert`: a client without a certificate the CA signed never gets an
    /// answer; with one, it is authenticated (enough for a mutating endpoint).
    @Test func mutualTLSAuthenticatesOnItsOwn() async throws {
        let identity = try TestCertificate()
        defer { try? FileManager.default.removeItem(at: identity.directory) }
        let config = identity.directory.appendingPathComponent("web.yml").path
        try Self.mutualTLS.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try await TestServer(webConfigFile: config, enabled: [.lifecycle])
        let base = "https://127.0.0.1:\(server.port)"
        #expect(await refused(base + "/healthz", tls: .init(caFile: identity.certificate)))
        let stranger = try TestCertificate(in: identity.directory, fileName: "stranger")
        #expect(
            await refused(
                base + "/healthz",
                tls: .init(caFile: identity.certificate, certificateFile: stranger.certificate, keyFile: stranger.key)
            )
        )
        let client = VigilHTTP.TLSConfiguration(
            caFile: identity.certificate,
            certificateFile: identity.certificate,
            keyFile: identity.key
        )
        #expect(try await ask(base + "/healthz", tls: client).status == 200)
        let reload = try await CurlHTTPClient().execute(
            HTTPRequest(url: base + "/-/reload", method: .post, timeout: hangTimeout, tls: client)
        )
        #expect(reload.status == 200)
        #expect(server.reloads.count == 1)
        await server.stop()
    }

    /// The file asked for client certificates after the server started on plain HTTP (with users, so the
    /// lifecycle endpoints were allowed): TLS cannot be turned on without a restart, and every request
    /// on the plain listener was let in as a certificate holder, `POST /-/reload` included.
    @Test func aPlainListenerLetsNoOneInWhenTheFileAsksForClientCertificates() async throws {
        let identity = try TestCertificate()
        defer { try? FileManager.default.removeItem(at: identity.directory) }
        let config = identity.directory.appendingPathComponent("web.yml").path
        try "basic_auth_users:\n  alice: $2y$04$Sx4d0cO42FhOxNu3EOAp0eURZ4l3IoGyUWUeBZYu3Q1jzeYv4aOg6\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let server = try await TestServer(webConfigFile: config, enabled: [.lifecycle])
        try Self.mutualTLS.write(toFile: config, atomically: true, encoding: .utf8)
        let reload = try await CurlHTTPClient().execute(
            HTTPRequest(url: server.base + "/-/reload", method: .post, timeout: hangTimeout)
        )
        #expect(reload.status == 401)
        #expect(server.reloads.count == 0)
        await server.stop()
    }
}
