import Foundation
import VigilHTTP
import VigilYAML
import Yams

/// Reads `clusters[].cluster`: server, trust, proxy.
struct ClusterReader {
    let file: KubeconfigFile

    func read(_ node: Node, _ path: String) -> KubeConnection? {
        let reader = file.reader
        let fields = reader.fields(
            node,
            path,
            allowed: [
                "server", "certificate-authority", "certificate-authority-data", "insecure-skip-tls-verify",
                "tls-server-name", "proxy-url", "disable-compression", "extensions",
            ]
        )
        guard let server = fields["server"].flatMap({ reader.string($0, path + ".server") }),
            server.hasPrefix("https://") || server.hasPrefix("http://")
        else {
            reader.fail(fields["server"] ?? node, path + ".server", "required: an https:// (or http://) URL")
            return nil
        }
        var tls = TLSConfiguration()
        // Empty is absent, as client-go reads every field (`len == 0`).
        tls.caFile = fields["certificate-authority"].flatMap { reader.string($0, path + ".certificate-authority") }
            .flatMap { $0.isEmpty ? nil : file.resolve($0) }
        tls.caPEM = fields["certificate-authority-data"].flatMap {
            file.base64($0, path + ".certificate-authority-data")
        }.flatMap { $0.isEmpty ? nil : $0 }
        tls.insecureSkipVerify =
            fields["insecure-skip-tls-verify"].flatMap {
                reader.bool($0, path + ".insecure-skip-tls-verify")
            } ?? false
        // As client-go's validation: which of two certificate authorities is trusted is no guess to make.
        if tls.caFile != nil, tls.caPEM != nil {
            reader.fail(
                fields["certificate-authority-data"],
                path,
                "certificate-authority-data and certificate-authority are both specified: give one"
            )
        }
        if tls.insecureSkipVerify, tls.caFile != nil || tls.caPEM != nil {
            reader.fail(
                fields["insecure-skip-tls-verify"],
                path,
                "insecure-skip-tls-verify and a certificate authority exclude each other"
            )
        }
        let proxy = fields["proxy-url"].flatMap { value in
            reader.string(value, path + ".proxy-url").flatMap {
                $0.isEmpty ? nil : Self.proxy($0, value, path + ".proxy-url", reader)
            }
        }
        var connection = KubeConnection(server: server, tls: tls, proxyURL: proxy)
        connection.tlsServerName = fields["tls-server-name"].flatMap { reader.string($0, path + ".tls-server-name") }
            .flatMap { $0.isEmpty ? nil : $0 }
        connection.disableCompression =
            fields["disable-compression"].flatMap { reader.bool($0, path + ".disable-compression") } ?? false
        return connection
    }
}

extension ClusterReader {
    /// A `proxy-url` as client-go's `parseProxyURL` takes it (http, https or socks5), for libcurl: a
    /// `socks5://` proxy resolves the server's name itself, as Go's SOCKS5 dialer has it resolve it
    /// (`socks5h://` to libcurl, whose `socks5://` resolved it here, where a bastion's private names do
    /// not resolve).
    static func proxy(_ url: String, _ node: Node, _ path: String, _ reader: ConfigReader) -> String? {
        let scheme = url.prefix { $0 != ":" }.lowercased()
        guard url.contains("://"), ["http", "https", "socks5"].contains(scheme) else {
            reader.fail(node, path, "expected an http://, https:// or socks5:// URL, got \"\(url)\"")
            return nil
        }
        return ProxyEnvironment.forCurl(url)
    }
}

/// Reads `users[].user`: client certificate, token, token file, basic auth, exec plugin.
struct UserReader {
    let file: KubeconfigFile

    func read(_ node: Node, _ path: String, into connection: inout KubeConnection) {
        let reader = file.reader
        let fields = reader.fields(
            node,
            path,
            allowed: [
                "client-certificate", "client-certificate-data", "client-key", "client-key-data", "token", "tokenFile",
                "username", "password", "exec", "as", "as-groups", "as-uid", "as-user-extra", "auth-provider",
                "extensions",
            ]
        )
        if let value = fields["client-certificate"] {
            connection.tls.certificateFile = reader.string(value, path + ".client-certificate").map(file.resolve)
        }
        if let value = fields["client-key"] {
            connection.tls.keyFile = reader.string(value, path + ".client-key").map(file.resolve)
        }
        if let value = fields["client-certificate-data"] {
            connection.tls.certificatePEM = file.base64(value, path + ".client-certificate-data")
        }
        if let value = fields["client-key-data"] {
            connection.tls.keyPEM = file.base64(value, path + ".client-key-data")
        }
        let hasCertificate = connection.tls.certificateFile != nil || connection.tls.certificatePEM != nil
        let hasKey = connection.tls.keyFile != nil || connection.tls.keyPEM != nil
        if hasCertificate != hasKey { reader.fail(node, path, "a client certificate and its key go together") }
        for unsupported in ["auth-provider", "as", "as-groups", "as-uid", "as-user-extra"]
        where fields[unsupported] != nil {
            reader.fail(
                fields[unsupported],
                "\(path).\(unsupported)",
                "not supported by Vigil (use a token, a client certificate or an exec plugin)"
            )
        }
        var credentials: [KubeConnection.Credential] = []
        // Empty is absent, as client-go reads every field (`len == 0`).
        if let value = fields["token"], let token = reader.string(value, path + ".token"), !token.isEmpty {
            credentials.append(.token(token))
        }
        if let value = fields["tokenFile"], let tokenFile = reader.string(value, path + ".tokenFile"),
            !tokenFile.isEmpty
        {
            credentials.append(.tokenFile(file.resolve(tokenFile)))
        }
        if let value = fields["username"], let username = reader.string(value, path + ".username"), !username.isEmpty {
            let password = fields["password"].flatMap { reader.string($0, path + ".password") } ?? ""
            credentials.append(.basic(username: username, password: password))
        }
        if let value = fields["exec"], let plugin = readExec(value, path + ".exec") {
            credentials.append(.exec(plugin))
        }
        // An exec plugin stands aside for any other credential, a client certificate's included: client-go
        // never runs it then (it sent both the certificate and the plugin's token here, and refused a
        // token beside it).
        if credentials.count > 1 || hasCertificate, case .exec = credentials.last { credentials.removeLast() }
        // A token and its file are one credential: client-go sends the file's token where the file can be
        // read and the token where not; Vigil sends the token (a file that cannot be read would fail every
        // request). Two kinds at once is a mistake here.
        if credentials.count > 1, !(credentials.count == 2 && fields["token"] != nil && fields["tokenFile"] != nil) {
            reader.fail(node, path, "more than one credential (token, tokenFile, username, exec): give one")
        }
        connection.credential = credentials.first ?? .none
    }

    private func readExec(_ node: Node, _ path: String) -> ExecCredentialPlugin? {
        let reader = file.reader
        let fields = reader.fields(
            node,
            path,
            allowed: ["apiVersion", "command", "args", "env", "interactiveMode", "provideClusterInfo", "installHint"]
        )
        let apiVersion = fields["apiVersion"].flatMap { reader.string($0, path + ".apiVersion") } ?? ""
        guard apiVersion == "client.authentication.k8s.io/v1" else {
            reader.fail(
                fields["apiVersion"] ?? node,
                path + ".apiVersion",
                "expected client.authentication.k8s.io/v1, got \"\(apiVersion)\""
            )
            return nil
        }
        guard let command = fields["command"].flatMap({ reader.string($0, path + ".command") }), !command.isEmpty else {
            reader.fail(node, path + ".command", "required")
            return nil
        }
        var environment: [ExecCredentialPlugin.EnvironmentVariable] = []
        if let env = fields["env"], env.null == nil {
            for (index, entry) in reader.list(env, path + ".env").enumerated() {
                let variable = reader.fields(entry, "\(path).env[\(index)]", allowed: ["name", "value"])
                guard let name = variable["name"].flatMap({ reader.string($0, "\(path).env[\(index)].name") }) else {
                    reader.fail(entry, "\(path).env[\(index)].name", "required")
                    continue
                }
                let value = variable["value"].flatMap { reader.string($0, "\(path).env[\(index)].value") } ?? ""
                environment.append(.init(name: name, value: value))
            }
        }
        // Required for a v1 plugin, as kubectl requires it ("interactiveMode must be specified").
        guard let interactiveMode = fields["interactiveMode"].flatMap({ reader.string($0, path + ".interactiveMode") })
        else {
            reader.fail(
                node,
                path + ".interactiveMode",
                "required (Never, IfAvailable or Always), as kubectl requires it"
            )
            return nil
        }
        if !["Never", "IfAvailable", "Always"].contains(interactiveMode) {
            reader.fail(fields["interactiveMode"], path + ".interactiveMode", "expected Never, IfAvailable or Always")
        }
        return ExecCredentialPlugin(
            apiVersion: apiVersion,
            command: file.resolveCommand(command),
            arguments: fields["args"].map { $0.null != nil ? [] : reader.strings($0, path + ".args") } ?? [],
            environment: environment,
            interactiveMode: interactiveMode,
            provideClusterInfo: fields["provideClusterInfo"].flatMap { reader.bool($0, path + ".provideClusterInfo") }
                ?? false,
            installHint: fields["installHint"].flatMap { reader.string($0, path + ".installHint") }
        )
    }
}

extension KubeconfigFile {
    /// A path from this file, absolute, or relative to the file's directory.
    func resolve(_ path: String) -> String {
        path.hasPrefix("/")
            ? path : (PathSplit.directory(of: self.path) as NSString).appendingPathComponent(path)
    }

    /// A command as client-go runs it: a bare name is looked up on PATH; a relative path with a slash
    /// resolves against the kubeconfig's directory.
    func resolveCommand(_ command: String) -> String {
        command.contains("/") ? resolve(command) : command
    }

    /// The bytes of a base64 field (`*-data`), or nil with an error naming the field.
    func base64(_ node: Node, _ path: String) -> [UInt8]? {
        guard let text = reader.string(node, path) else { return nil }
        guard let data = Data(base64Encoded: text.filter { !$0.isWhitespace }) else {
            reader.fail(node, path, "not valid base64")
            return nil
        }
        return Array(data)
    }
}
