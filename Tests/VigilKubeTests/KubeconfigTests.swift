import Foundation
import Testing
import VigilHTTP
import VigilTestKit

@testable import VigilKube

/// kubeconfig as kubectl reads it: contexts, merging, paths, secrets, and errors that name the field.
struct KubeconfigTests {
    let temporary = try! TemporaryDirectory("kube")
    var directory: URL { temporary.url }

    func write(_ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static let caPEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

    var mainConfig: String {
        """
        apiVersion: v1
        kind: Config
        current-context: prod-admin
        clusters:
        - name: prod
          cluster:
            server: https://10.0.0.1:6443/
            certificate-authority-data: \(Data(Self.caPEM.utf8).base64EncodedString())
        - name: lab
          cluster:
            server: https://lab.example:6443
            certificate-authority: certs/lab-ca.pem
        users:
        - name: admin
          user:
            token: s3cret
        - name: robot
          user:
            tokenFile: tokens/robot
        - name: eks
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1
              command: aws
              args: [eks, get-token, --cluster-name, prod]
              env: [{name: AWS_PROFILE, value: prod}]
              interactiveMode: Never
        contexts:
        - name: prod-admin
          context: {cluster: prod, user: admin, namespace: shop}
        - name: lab-robot
          context: {cluster: lab, user: robot}
        - name: prod-eks
          context: {cluster: prod, user: eks}

        """
    }

    /// A key written twice (a hand-merged kubeconfig) is named at its line, and the file — its tokens
    /// and keys — is never quoted in the error.
    @Test func aRepeatedKeyIsNamedWithoutQuotingTheFile() throws {
        let path = try write(
            "config",
            mainConfig.replacingOccurrences(of: "    token: s3cret", with: "    token: s3cret\n    token: other")
        )
        #expect {
            try Kubeconfig.load(paths: [path])
        } throws: { error in
            let errors = (error as? KubeconfigError)?.errors ?? []
            return errors == [
                "\(path):17:5: key \"token\" already set in this mapping (first at line 16); each key may appear once"
            ]
        }
    }

    @Test func theCurrentContextGivesServerTrustTokenAndNamespace() throws {
        let path = try write("config", mainConfig)
        let connection = try Kubeconfig.load(paths: [path])
        #expect(connection.server == "https://10.0.0.1:6443")
        #expect(connection.namespace == "shop")
        #expect(connection.context == "prod-admin")
        #expect(connection.tls.caPEM == Array(Self.caPEM.utf8))
        #expect(connection.authorization == .bearer("s3cret"))
    }

    @Test func anotherContextRelativePathsAndTheNamespaceFlag() throws {
        let path = try write("config", mainConfig)
        let lab = try Kubeconfig.load(paths: [path], context: "lab-robot")
        #expect(lab.tls.caFile == directory.appendingPathComponent("certs/lab-ca.pem").path)
        #expect(lab.authorization == .bearerFile(directory.appendingPathComponent("tokens/robot").path))
        #expect(lab.namespace == "default")
        #expect(try Kubeconfig.load(paths: [path], context: "lab-robot", namespace: "ops").namespace == "ops")
    }

    @Test func execPluginsAreReadWhole() throws {
        let path = try write("config", mainConfig)
        guard case .exec(let plugin) = try Kubeconfig.load(paths: [path], context: "prod-eks").credential else {
            Issue.record("no exec credential")
            return
        }
        #expect(plugin.command == "aws")
        #expect(plugin.arguments == ["eks", "get-token", "--cluster-name", "prod"])
        #expect(plugin.environment == [.init(name: "AWS_PROFILE", value: "prod")])
        #expect(plugin.interactiveMode == "Never")
    }

    @Test func theFirstFileToNameSomethingWins() throws {
        let first = try write(
            "first",
            """
            current-context: lab-robot
            clusters:
            - name: lab
              cluster: {server: "https://first.example:6443", insecure-skip-tls-verify: true}

            """
        )
        let second = try write("second", mainConfig)
        let connection = try Kubeconfig.load(paths: [first, second])
        #expect(connection.context == "lab-robot")
        #expect(connection.server == "https://first.example:6443")
        #expect(connection.tls.insecureSkipVerify)
        #expect(connection.authorization == .bearerFile(directory.appendingPathComponent("tokens/robot").path))
    }

    /// A kubeconfig of one context: cluster `k` at https://api.internal:6443 with `cluster`'s fields, user
    /// `u` with `user`'s.
    static func oneContext(cluster: String, user: String) -> String {
        """
        current-context: c
        clusters: [{name: k, cluster: {server: "https://api.internal:6443", \(cluster)}}]
        users: [{name: u, user: {\(user)}}]
        contexts: [{name: c, context: {cluster: k, user: u}}]

        """
    }

    /// As client-go reads them: a `socks5://` proxy resolves the server's name (libcurl's `socks5h`; its
    /// `socks5` resolved it here), a proxy of another scheme and two certificate authorities are refused,
    /// and an empty field is no field. (A token beside its file is sent: client-go sends the file's where
    /// it can read it, the token where not.)
    @Test func tokenFilesProxiesAndCertificateAuthoritiesAsClientGoReadsThem() throws {
        let both = try write(
            "both",
            Self.oneContext(cluster: "proxy-url: socks5://bastion:1080", user: "token: a, tokenFile: t")
        )
        let connection = try Kubeconfig.load(paths: [both])
        #expect(connection.authorization == .bearer("a"))
        #expect(connection.proxyURL == "socks5h://bastion:1080")
        /// What loading a kubeconfig with `cluster`'s fields refuses.
        func refusals(_ cluster: String) throws -> [String] {
            let path = try write("refused", Self.oneContext(cluster: cluster, user: "token: a"))
            do {
                _ = try Kubeconfig.load(paths: [path])
                return []
            } catch {
                return error.errors
            }
        }
        #expect(
            try refusals("proxy-url: ftp://bastion:21").contains {
                $0.hasSuffix("proxy-url: expected an http://, https:// or socks5:// URL, got \"ftp://bastion:21\"")
            }
        )
        let data = Data("ca".utf8).base64EncodedString()
        #expect(
            try refusals("certificate-authority: ca.pem, certificate-authority-data: \(data)").contains {
                $0.hasSuffix("certificate-authority-data and certificate-authority are both specified: give one")
            }
        )
        // Empty is absent: one authority, no proxy.
        #expect(
            try refusals("certificate-authority: ca.pem, certificate-authority-data: \"\", proxy-url: \"\"").isEmpty
        )
    }

    /// `disable-compression` asks for responses uncompressed, as client-go does; an empty
    /// `tls-server-name` is none (it renamed the server to "", every request to `https://:6443`).
    @Test func compressionAndAnEmptyServerNameAsClientGoReadsThem() async throws {
        let plain = try Kubeconfig.load(paths: [
            try write("plain", Self.oneContext(cluster: "disable-compression: true, tls-server-name: \"\"", user: ""))
        ])
        #expect(plain.disableCompression && plain.tlsServerName == nil)
        let transport = TLSServerNameTests.RecordingTransport()
        _ = try await KubeClient(connection: plain, transport: transport, access: .read).send(
            KubeRequest(method: "GET", path: "/api/v1/nodes/n")
        )
        let request = try #require(transport.requests.first)
        #expect(!request.acceptCompression && request.url == "https://api.internal:6443/api/v1/nodes/n")
        let usual = try Kubeconfig.load(paths: [try write("usual", Self.oneContext(cluster: "", user: ""))])
        #expect(!usual.disableCompression)
    }

    /// A plain `http://` server is sent no credential, as kubectl sends it none (client-go reads the user
    /// only for https): not the token, not basic auth, and an exec plugin never runs. Checked against the
    /// real kubectl on the same fake API server, whose kubeconfig names a token.
    @Test func aPlainHTTPServerIsSentNoCredential() async throws {
        let plugin = directory.appendingPathComponent("never-run")
        let ran = directory.appendingPathComponent("ran")
        try "#!/bin/sh\ntouch \(ran.path)\nexit 1\n".write(to: plugin, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: plugin.path)
        let exec =
            "exec: {apiVersion: client.authentication.k8s.io/v1, command: \(plugin.path), interactiveMode: Never}"
        for user in ["token: a", "username: u, password: p", exec, "tokenFile: t"] {
            let plain = Self.oneContext(cluster: "", user: user).replacingOccurrences(of: "https://", with: "http://")
            let connection = try Kubeconfig.load(paths: [try write("plain", plain)])
            #expect(connection.credential == .none && connection.authorization == nil, "\(user)")
            let secure = try Kubeconfig.load(paths: [try write("secure", Self.oneContext(cluster: "", user: user))])
            #expect(secure.credential != .none, "\(user)")
        }
        let server = try FakeAPIServer()
        let connection = try Kubeconfig.load(paths: [server.kubeconfig.path])
        let client = KubeClient(connection: connection, transport: CurlHTTPClient(), access: .dryRun)
        _ = try await client.perform(.cordon(node: "node-1"), dryRun: true)
        let kubectl = try await server.kubectl(["cordon", "node-1", "--dry-run=server"])
        #expect(kubectl.status == 0, "\(kubectl.output)")
        let sent = try await server.authorizations()
        #expect(sent.count >= 4 && sent.allSatisfy { $0 == nil }, "\(sent)")
        #expect(!FileManager.default.fileExists(atPath: ran.path))
    }

    /// A v1 exec plugin must say whether it is interactive, as kubectl requires (its refusal checked on the
    /// same file); `Always` fails when it runs, as kubectl fails it without a terminal, which Vigil never
    /// gives a plugin.
    @Test func anExecPluginMustSayWhetherItIsInteractive() async throws {
        let exec = "exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/true}"
        let path = try write("unsaid", Self.oneContext(cluster: "", user: exec))
        #expect {
            try Kubeconfig.load(paths: [path])
        } throws: { error in
            (error as? KubeconfigError)?.errors.contains {
                $0.hasSuffix(
                    "users[u].user.exec.interactiveMode: required (Never, IfAvailable or Always), as kubectl requires it"
                )
            } == true
        }
        let said = try await kubectl(["--kubeconfig", path, "get", "pods"], environment: ["HOME": directory.path])
            .output
        #expect(said.contains("interactiveMode must be specified for u to use exec authentication plugin"), "\(said)")

        let always = exec.replacingOccurrences(of: "}", with: ", interactiveMode: Always}")
        let connection = try Kubeconfig.load(paths: [try write("always", Self.oneContext(cluster: "", user: always))])
        guard case .exec(let plugin) = connection.credential else {
            Issue.record("no plugin: \(connection.credential)")
            return
        }
        await #expect {
            try await ExecCredentialRunner(plugin: plugin).credential()
        } throws: { error in
            "\(error)".contains(
                "exec plugin cannot support interactive mode: Vigil runs exec plugins without a terminal"
            )
        }
    }

    /// client-go runs an exec plugin only where no token, basic auth or client certificate is given.
    @Test func anExecPluginStandsAsideForAnyOtherCredential() throws {
        let exec = "exec: {apiVersion: client.authentication.k8s.io/v1, command: get-token, interactiveMode: Never}"
        func connection(_ user: String) throws -> KubeConnection {
            let path = try write("exec", Self.oneContext(cluster: "", user: user))
            return try Kubeconfig.load(paths: [path])
        }
        #expect(try connection("token: t, \(exec)").credential == .token("t"))
        // An empty token is none: the plugin runs (Vigil sent an empty bearer token and skipped it).
        guard case .exec = try connection("token: \"\", \(exec)").credential else {
            Issue.record("an empty token stood in for the exec plugin")
            return
        }
        let pem = Data("x".utf8).base64EncodedString()
        let certified = try connection("client-certificate-data: \(pem), client-key-data: \(pem), \(exec)")
        #expect(certified.credential == .none && certified.tls.certificatePEM == Array("x".utf8))
        guard case .exec = try connection(exec).credential else {
            Issue.record("an exec plugin alone is the credential")
            return
        }
    }

    @Test func errorsNameTheFileLineAndField() throws {
        let path = try write(
            "broken",
            """
            current-context: c
            clusters:
            - name: k
              cluster: {server: "https://k:6443", certificate-authority-data: "not base64!", insecure-skip-tls-verify: true}
            users:
            - name: u
              user:
                client-certificate-data: \(Data("x".utf8).base64EncodedString())
                exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: x}
            contexts:
            - name: c
              context: {cluster: k, user: u, namspace: typo}

            """
        )
        #expect {
            try Kubeconfig.load(paths: [path])
        } throws: { error in
            let errors = (error as! KubeconfigError).errors
            let expected = [
                "\(path):4:67: clusters[k].cluster.certificate-authority-data: not valid base64",
                "\(path):8:5: users[u].user: a client certificate and its key go together",
                "\(path):9:24: users[u].user.exec.apiVersion: expected client.authentication.k8s.io/v1",
                "\(path):12:34: contexts[c].context.namspace: unknown field",
            ]
            for line in expected {
                #expect(errors.contains { $0.hasPrefix(line) }, "missing \(line) in\n\(errors.joined(separator: "\n"))")
            }
            return true
        }
    }

    @Test func anUnknownContextListsTheKnownOnes() throws {
        let path = try write("config", mainConfig)
        #expect(throws: KubeconfigError("\(path): no context named \"nope\" (known: prod-admin, lab-robot, prod-eks)"))
        {
            try Kubeconfig.load(paths: [path], context: "nope")
        }
        #expect(throws: KubeconfigError("\(directory.path)/missing: cannot read the kubeconfig")) {
            try Kubeconfig.load(paths: [directory.path + "/missing"])
        }
    }

    @Test func kubectlResolvesTheSameContextsAsVigil() async throws {
        let first = try write(
            "a",
            "current-context: lab-robot\nclusters:\n- name: lab\n  cluster: {server: \"https://first:6443\"}\n"
        )
        let second = try write("b", mainConfig)
        for context in ["prod-admin", "lab-robot", nil] as [String?] {
            let vigil = try Kubeconfig.load(paths: [first, second], context: context)
            let kubectl = try await kubectlView(kubeconfig: "\(first):\(second)", context: context)
            #expect(vigil.server == kubectl.server, "context \(context ?? "current")")
            #expect(vigil.namespace == kubectl.namespace)
            #expect(vigil.context == kubectl.context)
        }
    }

    /// What `kubectl config view --minify` says the context resolves to (server, namespace, context).
    func kubectlView(
        kubeconfig: String,
        context: String?
    ) async throws -> (server: String, namespace: String, context: String) {
        let process = Process()
        process.executableURL = kubectlExecutable
        process.arguments = ["config", "view", "--minify", "-o", "json"] + (context.map { ["--context", $0] } ?? [])
        process.environment = ["KUBECONFIG": kubeconfig, "HOME": directory.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Off the cooperative pool, as every blocking read in the tests (``offThePool(_:)``).
        let data = await offThePool {
            let data = output.fileHandleForReading.readDataToEndOfFile()
            _ = process.waitForEnd()
            return data
        }
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let cluster = ((json["clusters"] as! [[String: Any]])[0]["cluster"] as! [String: Any])
        let contextEntry = (json["contexts"] as! [[String: Any]])[0]
        let namespace = (contextEntry["context"] as! [String: Any])["namespace"] as? String ?? "default"
        // kubectl prints the server as written; Vigil drops a trailing slash.
        let server = (cluster["server"] as! String).replacingOccurrences(
            of: #"/$"#,
            with: "",
            options: .regularExpression
        )
        return (server, namespace, json["current-context"] as! String)
    }
}

/// A pod's own credentials.
struct InClusterConfigTests {
    @Test func aPodReachesItsClusterWithItsServiceAccount() throws {
        let directory = try TemporaryDirectory("sa")
        try "token".write(to: directory.file("token"), atomically: true, encoding: .utf8)
        try "ca".write(to: directory.file("ca.crt"), atomically: true, encoding: .utf8)
        try "shop\n".write(to: directory.file("namespace"), atomically: true, encoding: .utf8)
        let connection = try KubeConnection.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"],
            directory: directory.url.path
        )
        #expect(connection.server == "https://[fd00::1]:443")
        #expect(connection.namespace == "shop")
        #expect(connection.tls.caFile == directory.url.path + "/ca.crt")
        #expect(connection.authorization == .bearerFile(directory.url.path + "/token"))
        // The downward API's POD_NAMESPACE comes first, as in client-go.
        let named = try KubeConnection.inCluster(
            environment: [
                "KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443", "POD_NAMESPACE": "ops",
            ],
            directory: directory.url.path
        )
        #expect(named.namespace == "ops")

        #expect(throws: KubeconfigError.self) {
            try KubeConnection.inCluster(environment: [:], directory: directory.url.path)
        }
        try FileManager.default.removeItem(at: directory.file("token"))
        #expect {
            try KubeConnection.inCluster(
                environment: ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"],
                directory: directory.url.path
            )
        } throws: { error in
            (error as! KubeconfigError).description.contains("automountServiceAccountToken")
        }
    }
}
