import Foundation
import VigilHTTP
import VigilYAML
import Yams

/// The fields of Prometheus's HTTP client configuration (`HTTPClientConfig`) that Vigil reads wherever it
/// is a client: a scrape job, and Alertmanager's API for reconciliation.
extension ConfigReader {
    /// `tls_config`: `ca_file`, `cert_file` with `key_file`, `insecure_skip_verify`.
    func tlsConfig(_ node: Node, _ path: String) -> TLSConfiguration {
        let fields = self.fields(node, path, allowed: ["ca_file", "cert_file", "key_file", "insecure_skip_verify"])
        var tls = TLSConfiguration()
        tls.caFile = fields["ca_file"].flatMap { clientFile($0, path + ".ca_file") }
        tls.certificateFile = fields["cert_file"].flatMap { clientFile($0, path + ".cert_file") }
        tls.keyFile = fields["key_file"].flatMap { clientFile($0, path + ".key_file") }
        tls.insecureSkipVerify = fields["insecure_skip_verify"].flatMap { bool($0, path) } ?? false
        if (tls.certificateFile == nil) != (tls.keyFile == nil) {
            fail(node, path, "cert_file and key_file go together")
        }
        return tls
    }

    /// `authorization` (Bearer, `credentials` or `credentials_file`) or `basic_auth`, among `fields`.
    func authorization(_ fields: [String: Node], _ path: String) -> Authorization? {
        if fields["authorization"] != nil, fields["basic_auth"] != nil {
            fail(fields["basic_auth"], path, "at most one of authorization and basic_auth")
        }
        if let node = fields["authorization"] {
            let authPath = path + ".authorization"
            let auth = self.fields(node, authPath, allowed: ["type", "credentials", "credentials_file"])
            if let type = auth["type"], let text = string(type, authPath + ".type"), text != "Bearer" {
                fail(type, authPath + ".type", "only Bearer is supported, got \"\(text)\"")
            }
            switch (auth["credentials"], auth["credentials_file"]) {
            case (let value?, nil): return string(value, authPath + ".credentials").map(Authorization.bearer)
            case (nil, let file?):
                return clientFile(file, authPath + ".credentials_file").map(Authorization.bearerFile)
            default: fail(node, authPath, "exactly one of credentials and credentials_file")
            }
        }
        if let node = fields["basic_auth"] {
            let authPath = path + ".basic_auth"
            let auth = self.fields(node, authPath, allowed: ["username", "password", "password_file"])
            guard let user = auth["username"].flatMap({ string($0, authPath + ".username") }) else {
                fail(node, authPath + ".username", "required")
                return nil
            }
            if let file = auth["password_file"] {
                if auth["password"] != nil { fail(node, authPath, "at most one of password and password_file") }
                return clientFile(file, authPath + ".password_file").map {
                    .basicFile(username: user, passwordFile: $0)
                }
            }
            let password = auth["password"].flatMap { string($0, authPath + ".password") } ?? ""
            return .basic(username: user, password: password)
        }
        return nil
    }

    /// A file the client reads — a CA, a certificate or key, a credentials or password file — relative to
    /// this configuration file's directory, as Prometheus resolves them, and readable now: a missing one is
    /// this file's error, at its line, rather than every scrape's.
    /// An empty value is none, as Prometheus reads one.
    func clientFile(_ node: Node, _ path: String) -> String? {
        guard let name = string(node, path), !name.isEmpty else { return nil }
        let resolved = resolved(name)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), !isDirectory.boolValue,
            FileManager.default.isReadableFile(atPath: resolved)
        else {
            fail(node, path, "\(resolved): cannot be read")
            return nil
        }
        return resolved
    }

    /// `path` as written in this file: relative to its directory, as Prometheus reads every path in its
    /// configuration (`rule_files:`, a client's files).
    func resolved(_ path: String) -> String {
        let directory = PathSplit.directory(of: file)
        return path.hasPrefix("/") || directory.isEmpty ? path : "\(directory)/\(path)"
    }
}
