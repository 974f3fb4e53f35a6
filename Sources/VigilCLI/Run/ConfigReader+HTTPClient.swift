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
        tls.caFile = fields["ca_file"].flatMap { string($0, path + ".ca_file") }
        tls.certificateFile = fields["cert_file"].flatMap { string($0, path + ".cert_file") }
        tls.keyFile = fields["key_file"].flatMap { string($0, path + ".key_file") }
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
                return string(file, authPath + ".credentials_file").map(Authorization.bearerFile)
            default: fail(node, authPath, "exactly one of credentials and credentials_file")
            }
        }
        if let node = fields["basic_auth"] {
            let authPath = path + ".basic_auth"
            let auth = self.fields(node, authPath, allowed: ["username", "password"])
            guard let user = auth["username"].flatMap({ string($0, authPath + ".username") }) else {
                fail(node, authPath + ".username", "required")
                return nil
            }
            let password = auth["password"].flatMap { string($0, authPath + ".password") } ?? ""
            return .basic(username: user, password: password)
        }
        return nil
    }
}
