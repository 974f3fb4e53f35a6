import VigilHTTP

/// Where the API server is and how to prove who Vigil is: what a kubeconfig context or the in-cluster
/// environment resolves to. Secrets from `*-data` fields stay in memory (``TLSConfiguration``'s PEM
/// bytes); tokens from files are re-read at every request, so rotated tokens are picked up.
public struct KubeConnection: Sendable, Equatable {
    /// The API server's base URL, without a trailing slash (it may carry a path prefix).
    public var server: String
    /// The namespace of commands that name none (the context's, the pod's, or `default`).
    public var namespace: String
    public var tls: TLSConfiguration
    public var credential: Credential
    /// `proxy-url` of the cluster, when set (else the proxy environment variables apply).
    public var proxyURL: String?
    /// `tls-server-name`: the name the server's certificate is checked against (and sent as SNI)
    /// instead of the server URL's host.
    public var tlsServerName: String?
    /// `disable-compression`: responses are asked for uncompressed (no `Accept-Encoding`), as client-go
    /// asks where a cluster sets it (large lists on a fast network: the server spends no CPU on gzip).
    public var disableCompression = false
    /// The context this connection came from; nil in-cluster.
    public var context: String?

    /// How requests authenticate, beyond a client certificate (which lives in ``tls``).
    public enum Credential: Sendable, Equatable {
        case none
        case token(String)
        /// Re-read at every request (a projected service-account token is rotated by the kubelet).
        case tokenFile(String)
        case basic(username: String, password: String)
        /// A `client.authentication.k8s.io/v1` exec plugin that prints an ExecCredential.
        case exec(ExecCredentialPlugin)
    }

    public init(
        server: String,
        namespace: String = "default",
        tls: TLSConfiguration = TLSConfiguration(),
        credential: Credential = .none,
        proxyURL: String? = nil,
        context: String? = nil
    ) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.namespace = namespace
        self.tls = tls
        self.credential = credential
        self.proxyURL = proxyURL
        self.context = context
    }

    /// No token, password, exec plugin or client certificate: what kubectl sends a plain `http://` server.
    mutating func withholdCredentials() {
        credential = .none
        tls.certificateFile = nil
        tls.certificatePEM = nil
        tls.keyFile = nil
        tls.keyPEM = nil
    }

    /// The `Authorization` a request carries for credentials that need no plugin run.
    public var authorization: Authorization? {
        switch credential {
        case .none, .exec: nil
        case .token(let token): .bearer(token)
        case .tokenFile(let path): .bearerFile(path)
        case .basic(let username, let password): .basic(username: username, password: password)
        }
    }
}

/// An exec credential plugin as a kubeconfig declares it (`users[].user.exec`).
public struct ExecCredentialPlugin: Sendable, Equatable {
    public var apiVersion: String
    public var command: String
    public var arguments: [String]
    /// Extra environment, in the order given.
    public var environment: [EnvironmentVariable]
    public var interactiveMode: String
    public var provideClusterInfo: Bool
    public var installHint: String?

    public struct EnvironmentVariable: Sendable, Equatable {
        public var name: String
        public var value: String
    }
}
