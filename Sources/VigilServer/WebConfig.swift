import Foundation
import NIOSSL
import VigilYAML
import Yams

/// The web configuration file of the Prometheus exporter toolkit (`--web.config.file`), so one file
/// secures node_exporter, Prometheus and Vigil alike: TLS (`tls_server_config`), extra response headers
/// (`http_server_config.headers`) and basic authentication (`basic_auth_users`, bcrypt hashes).
///
/// Fields the toolkit has and Vigil cannot honour are refused with `file:line:column: field: not
/// supported` and the reason, never silently ignored: a file that asks for more than Vigil does must
/// not look as if it were obeyed. Paths are relative to the file's directory, as in the toolkit.
public struct WebConfig: Sendable {
    /// Users and their bcrypt hashes; empty: no basic authentication.
    public var users: [String: BcryptHash] = [:]
    /// Headers added to every response (the toolkit's fixed list of security headers).
    public var headers: [(name: String, value: String)] = []
    /// TLS for every connection; nil: plain HTTP.
    public var tls: ServerTLS?
    /// The files this configuration was built from besides itself (certificates, keys, CAs): a change
    /// to any of them is a new configuration.
    public var referencedFiles: [String] = []

    /// TLS as configured: the context new connections are handshaken with, and whether it demands
    /// and verifies a client certificate (which authenticates every request on its own).
    public struct ServerTLS: Sendable {
        public var context: NIOSSLContext
        public var clientAuth: ClientAuth
        public var requiresClientCertificate: Bool { clientAuth == .requireAndVerify }
    }

    /// The toolkit's `client_auth_type` values Vigil supports. `RequestClientCert` and
    /// `RequireAnyClientCert` take a certificate without verifying it, which authenticates nobody;
    /// they are refused.
    public enum ClientAuth: String, Sendable, CaseIterable {
        case noClientCert = "NoClientCert"
        case verifyIfGiven = "VerifyClientCertIfGiven"
        case requireAndVerify = "RequireAndVerifyClientCert"
    }

    /// Why a web configuration was refused: every error, each `file:line:column: field: …`.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var errors: [String]
        /// The files the refused configuration named, read or not.
        public var referencedFiles: [String] = []
        public var description: String { errors.joined(separator: "\n") }
    }

    public init() {}

    /// The headers the toolkit lets a file set, with the values it accepts (nil: any value).
    static let settableHeaders: [(name: String, values: [String]?)] = [
        ("Strict-Transport-Security", nil), ("X-Content-Type-Options", ["nosniff"]),
        ("X-Frame-Options", ["deny", "sameorigin"]), ("X-XSS-Protection", nil), ("Content-Security-Policy", nil),
    ]

    /// Reads and validates `path`, loading its certificates and keys.
    public static func load(file path: String) throws(Invalid) -> WebConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Invalid(errors: ["\(path): cannot read the web configuration file"])
        }
        let text: String
        do { text = try YAMLDocument.text(data, file: path) } catch { throw Invalid(errors: [error.message]) }
        return try parse(text, file: path)
    }

    public static func parse(_ yaml: String, file: String) throws(Invalid) -> WebConfig {
        var config = WebConfig()
        let errors = ConfigReader.read(yaml, file: file) { config.read($0, $1) }
        guard errors.isEmpty else { throw Invalid(errors: errors, referencedFiles: config.referencedFiles) }
        return config
    }

    private mutating func read(_ root: Node, _ reader: ConfigReader) {
        // An empty section is none, as the exporter toolkit's YAML decoder reads it (Helm often renders one).
        let fields = reader.fields(
            root,
            "",
            allowed: ["tls_server_config", "http_server_config", "basic_auth_users", "rate_limit"]
        ).filter { !$0.value.isEmptyValue }
        if let node = fields["rate_limit"] {
            reader.fail(node, "rate_limit", "not supported (use --web.max-connections to bound the load)")
        }
        if let node = fields["basic_auth_users"] {
            users = Self.readUsers(node, reader)
        }
        if let node = fields["http_server_config"] {
            headers = Self.readHTTPServerConfig(node, reader)
        }
        if let node = fields["tls_server_config"] {
            var reading = TLSReading(reader: reader, directory: (reader.file as NSString).deletingLastPathComponent)
            tls = reading.read(node)
            referencedFiles = reading.files
        }
    }

    private static func readUsers(_ node: Node, _ reader: ConfigReader) -> [String: BcryptHash] {
        guard let mapping = node.mapping else {
            reader.fail(node, "basic_auth_users", "expected a mapping of user names to bcrypt hashes")
            return [:]
        }
        var users: [String: BcryptHash] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string, !name.isEmpty, !name.contains(":") else {
                reader.fail(key, "basic_auth_users", "a user name must be a non-empty string without \":\"")
                continue
            }
            let path = "basic_auth_users.\(name)"
            guard users[name] == nil else {
                reader.fail(key, path, "given twice")
                continue
            }
            guard let text = reader.string(value, path) else { continue }
            guard let hash = BcryptHash(text) else {
                // Never echo the value: it is a secret, even when malformed.
                reader.fail(
                    value,
                    path,
                    "expected a bcrypt hash ($2a$, $2b$ or $2y$, cost 04 to 31, 60 characters), "
                        + "as `htpasswd -nBC 10 \"\" | tr -d ':\\n'` prints"
                )
                continue
            }
            users[name] = hash
        }
        return users
    }

    private static func readHTTPServerConfig(_ node: Node, _ reader: ConfigReader) -> [(name: String, value: String)] {
        let fields = reader.fields(node, "http_server_config", allowed: ["http2", "headers"])
        if let value = fields["http2"], let http2 = reader.bool(value, "http_server_config.http2"), http2 {
            reader.fail(value, "http_server_config.http2", "not supported: Vigil serves HTTP/1.1 only; set false")
        }
        guard let node = fields["headers"] else { return [] }
        var headers: [(name: String, value: String)] = []
        for (name, value) in reader.stringMap(node, "http_server_config.headers").sorted(by: { $0.key < $1.key }) {
            let path = "http_server_config.headers.\(name)"
            let site = node.mapping?.first { $0.key.scalar?.string == name }
            guard let allowed = settableHeaders.first(where: { $0.name == name }) else {
                reader.fail(site?.key, path, "HTTP header \"\(name)\" can not be configured")
                continue
            }
            if let values = allowed.values, !values.contains(value) {
                let expected = values.map { "\"\($0)\"" }.joined(separator: ", ")
                reader.fail(site?.value, path, "expected one of \(expected), got \"\(value)\"")
                continue
            }
            // Blank leaves the header unset, as in the toolkit.
            if !value.isEmpty { headers.append((name, value)) }
        }
        return headers
    }
}
