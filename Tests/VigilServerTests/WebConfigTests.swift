import Foundation
import Testing
import VigilTestKit

@testable import VigilServer

/// The exporter toolkit's web configuration file as Vigil reads it: what it honours, and what it
/// refuses at the field with file, line and column rather than ignoring.
struct WebConfigTests {
    static let hash = "$2y$04$Sx4d0cO42FhOxNu3EOAp0eURZ4l3IoGyUWUeBZYu3Q1jzeYv4aOg6"

    func errors(_ yaml: String, file: String = "web.yml") -> [String] {
        do {
            _ = try WebConfig.parse(yaml, file: file)
            return []
        } catch {
            return error.errors
        }
    }

    @Test func readsUsersAndHeaders() throws {
        let config = try WebConfig.parse(
            """
            basic_auth_users:
              alice: \(Self.hash)
            http_server_config:
              http2: false
              headers:
                X-Frame-Options: deny
                Content-Security-Policy: default-src 'self'
                X-XSS-Protection: ""

            """,
            file: "web.yml"
        )
        #expect(config.users.keys.sorted() == ["alice"])
        #expect(config.users["alice"]?.text == Self.hash)
        // Blank leaves a header unset, as in the toolkit.
        #expect(config.headers.map(\.name) == ["Content-Security-Policy", "X-Frame-Options"])
        #expect(config.headers.map(\.value) == ["default-src 'self'", "deny"])
        #expect(config.tls == nil)
    }

    @Test func anEmptyFileConfiguresNothing() throws {
        let config = try WebConfig.parse("", file: "web.yml")
        #expect(config.users.isEmpty && config.headers.isEmpty && config.tls == nil)
    }

    /// Empty sections and empty values, as Helm renders them, are none, as the toolkit's YAML decoder
    /// leaves them: `basic_auth_users:` was refused as no mapping, and `cert_file: ""` turned TLS on and
    /// failed to read the directory.
    @Test func emptySectionsAndValuesAreNone() throws {
        let empty = try WebConfig.parse(
            "basic_auth_users:\ntls_server_config:\nhttp_server_config: ~\n",
            file: "web.yml"
        )
        #expect(empty.users.isEmpty && empty.headers.isEmpty && empty.tls == nil)
        let blank = try WebConfig.parse(
            "tls_server_config: {cert_file: \"\", key_file: \"\", min_version: \"\"}\n",
            file: "web.yml"
        )
        #expect(blank.tls == nil)
    }

    /// As in the toolkit: versions alone (a file shared with exporters) do not turn TLS on, but are
    /// still checked.
    @Test func aTLSSectionWithoutCertificateFieldsLeavesPlainHTTP() throws {
        let config = try WebConfig.parse("tls_server_config: {min_version: TLS13}\n", file: "web.yml")
        #expect(config.tls == nil)
        #expect(
            errors("tls_server_config: {min_version: SSL3}\n") == [
                "web.yml:1:34: tls_server_config.min_version: expected one of TLS10, TLS11, TLS12, TLS13, got \"SSL3\""
            ]
        )
    }

    /// One line per case: the file, and the exact error (secrets never echoed).
    @Test(arguments: [
        (
            "rate_limit: {interval: 1s, burst: 5}\n",
            "web.yml:1:13: rate_limit: not supported (use --web.max-connections to bound the load)"
        ),
        (
            "http_server_config: {http2: true}\n",
            "web.yml:1:29: http_server_config.http2: not supported: Vigil serves HTTP/1.1 only; set false"
        ),
        (
            "http_server_config: {headers: {X-Powered-By: vigil}}\n",
            "web.yml:1:32: http_server_config.headers.X-Powered-By: HTTP header \"X-Powered-By\" can not be configured"
        ),
        (
            "http_server_config: {headers: {X-Frame-Options: allow}}\n",
            "web.yml:1:49: http_server_config.headers.X-Frame-Options: expected one of \"deny\", \"sameorigin\", got \"allow\""
        ),
        (
            "basic_auth_users: {alice: hunter2}\n",
            "web.yml:1:27: basic_auth_users.alice: expected a bcrypt hash ($2a$, $2b$ or $2y$, cost 04 to 31, 60 characters), as `htpasswd -nBC 10 \"\" | tr -d ':\\n'` prints"
        ),
        (
            "basic_auth_users: [alice]\n",
            "web.yml:1:19: basic_auth_users: expected a mapping of user names to bcrypt hashes"
        ),
        (
            "basic_auth: {alice: x}\n",
            "web.yml:1:1: basic_auth: unknown field (known: tls_server_config, http_server_config, basic_auth_users, rate_limit)"
        ),
        (
            "tls_server_config: {cert_file: c.pem}\n",
            "web.yml:1:20: tls_server_config: missing one of key or key_file"
        ),
        (
            "tls_server_config: {cipher_suites: [TLS_AES_128_GCM_SHA256]}\n",
            "web.yml:1:36: tls_server_config.cipher_suites: not supported: BoringSSL's default TLS 1.2 suites are used and TLS 1.3 suites are fixed"
        ),
        (
            "tls_server_config: {client_auth_type: RequireAnyClientCert}\n",
            "web.yml:1:39: tls_server_config.client_auth_type: not supported: RequireAnyClientCert accepts a certificate without verifying it; use RequireAndVerifyClientCert"
        ),
        (
            "tls_server_config: {min_version: TLS14}\n",
            "web.yml:1:34: tls_server_config.min_version: expected one of TLS10, TLS11, TLS12, TLS13, got \"TLS14\""
        ),
    ])
    func refusesWithTheFieldAndItsPosition(yaml: String, expected: String) {
        let found = errors(yaml)
        #expect(found.contains(expected), "\(found)")
    }

    @Test func everyErrorIsListedInTheOrderOfTheFile() {
        let found = errors(
            """
            basic_auth_users:
              alice: nope
              bob: \(Self.hash)
            rate_limit: {}
            tls_server_config: {cert_file: /nonexistent/cert.pem, key_file: /nonexistent/key.pem}

            """
        )
        #expect(
            found == [
                "web.yml:2:10: basic_auth_users.alice: expected a bcrypt hash ($2a$, $2b$ or $2y$, cost 04 to 31, 60 characters), as `htpasswd -nBC 10 \"\" | tr -d ':\\n'` prints",
                "web.yml:4:13: rate_limit: not supported (use --web.max-connections to bound the load)",
                "web.yml:5:32: tls_server_config.cert_file: cannot read /nonexistent/cert.pem",
                "web.yml:5:65: tls_server_config.key_file: cannot read /nonexistent/key.pem",
            ]
        )
    }

    /// Certificates load, relative to the file's directory; a client CA needs a client auth type that
    /// verifies, and a verifying type needs a CA.
    @Test func loadsTLSRelativeToTheFileAndChecksClientAuthentication() throws {
        let certificate = try TestCertificate()
        defer { try? FileManager.default.removeItem(at: certificate.directory) }
        let file = certificate.directory.appendingPathComponent("web.yml").path
        let base = "tls_server_config:\n  cert_file: cert.pem\n  key_file: cert-key.pem\n"
        let plain = try WebConfig.parse(base, file: file)
        #expect(plain.tls?.clientAuth == .noClientCert)
        #expect(plain.referencedFiles == [certificate.certificate, certificate.key])

        let mutual = try WebConfig.parse(
            base + "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: cert.pem\n  min_version: TLS13\n",
            file: file
        )
        #expect(mutual.tls?.requiresClientCertificate == true)

        #expect(
            errors(base + "  client_auth_type: RequireAndVerifyClientCert\n", file: file) == [
                "\(file):4:21: tls_server_config.client_auth_type: needs client_ca_file or client_ca"
            ]
        )
        #expect(
            errors(base + "  client_ca_file: cert.pem\n", file: file) == [
                "\(file):2:3: tls_server_config: client_ca_file given without client_auth_type; the CA would be unused"
            ]
        )
        #expect(
            errors(base + "  min_version: TLS13\n  max_version: TLS12\n", file: file) == [
                "\(file):5:16: tls_server_config.max_version: is below min_version"
            ]
        )
        // A key that is not the certificate's, or not a key at all.
        let broken = errors(base.replacingOccurrences(of: "cert-key.pem", with: "cert.pem"), file: file)
        #expect(
            broken.count == 1 && broken[0].hasPrefix("\(file):2:14: tls_server_config.cert_file: failed to load"),
            "\(broken)"
        )
    }
}
