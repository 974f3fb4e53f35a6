/// One HTTP request, with everything that bounds it.
public struct HTTPRequest: Sendable {
    public enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
        case put = "PUT"
        case patch = "PATCH"
        case delete = "DELETE"
        case head = "HEAD"
    }

    public var url: String
    public var method: Method
    /// Extra request headers, in order (`Accept`, `Content-Type`, …).
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    /// Seconds to establish the connection (TCP and TLS).
    public var connectTimeout: Double
    /// Seconds for the whole exchange, body included.
    public var timeout: Double
    /// A response body of this many bytes or more, counted after decompression, is refused (0 = no
    /// limit), as Prometheus's `body_size_limit` refuses one (`n >= limit`). A gzip bomb is stopped
    /// here: libcurl's own size cap only sees the compressed bytes.
    public var maxBodyBytes: Int
    public var tls: TLSConfiguration
    public var authorization: Authorization?
    /// Ask for gzip (and whatever else libcurl decodes) and decode it transparently.
    public var acceptCompression: Bool
    /// Which proxy carries the request: by default the one the proxy environment variables name for its
    /// URL, read as Go reads them (``ProxyEnvironment``); libcurl never reads them itself.
    public var proxy: ProxyRoute
    /// Connect elsewhere than the URL's host while keeping its name for TLS (SNI and certificate
    /// verification), as libcurl's `CONNECT_TO` takes it: `HOST:PORT:CONNECT-HOST:CONNECT-PORT`. A
    /// kubeconfig's `tls-server-name` becomes this.
    public var connectTo: String?

    public init(
        url: String,
        method: Method = .get,
        headers: [(name: String, value: String)] = [],
        body: [UInt8]? = nil,
        connectTimeout: Double = 5,
        timeout: Double = 10,
        maxBodyBytes: Int = 64 << 20,
        tls: TLSConfiguration = TLSConfiguration(),
        authorization: Authorization? = nil,
        acceptCompression: Bool = true,
        proxy: ProxyRoute = .environment(.process),
        connectTo: String? = nil
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
        self.tls = tls
        self.authorization = authorization
        self.acceptCompression = acceptCompression
        self.proxy = proxy
        self.connectTo = connectTo
    }
}

/// Which proxy, if any, carries a request.
public enum ProxyRoute: Sendable, Equatable {
    /// No proxy, whatever the environment says (Prometheus's scrapes: `proxy_from_environment` is off
    /// by default).
    case direct
    /// This proxy (`http://`, `https://`, `socks5h://`), whatever `NO_PROXY` says, as Go's
    /// `http.ProxyURL` sends every request through a configured proxy.
    case through(String)
    /// The proxy these variables name for the request's URL.
    case environment(ProxyEnvironment)
}

/// How a request proves who it is.
public enum Authorization: Sendable, Equatable {
    /// `Authorization: Bearer TOKEN`.
    case bearer(String)
    /// A bearer token read from a file at every request, so a rotated token (a projected service-account
    /// token, a mounted Secret) is picked up without a restart. Surrounding whitespace is trimmed.
    case bearerFile(String)
    /// HTTP basic authentication.
    case basic(username: String, password: String)
    /// HTTP basic authentication with the password read from a file at every request, as Prometheus's
    /// `password_file` is (a rotated Secret is picked up); surrounding whitespace is trimmed.
    case basicFile(username: String, passwordFile: String)
}

/// TLS settings: trust, client identity, and the escape hatch.
public struct TLSConfiguration: Sendable, Equatable {
    /// A PEM file (or bundle) of certificate authorities to trust instead of the system's.
    public var caFile: String?
    /// Client certificate and key (PEM), for mutual TLS.
    public var certificateFile: String?
    public var keyFile: String?
    /// The same, as PEM bytes in memory (a kubeconfig's `certificate-authority-data`,
    /// `client-certificate-data`, `client-key-data`): secrets need not touch the disk. Used when set.
    public var caPEM: [UInt8]?
    public var certificatePEM: [UInt8]?
    public var keyPEM: [UInt8]?
    /// Skip verification of the server's certificate and name. For tests and emergencies only.
    public var insecureSkipVerify: Bool

    public init(
        caFile: String? = nil,
        certificateFile: String? = nil,
        keyFile: String? = nil,
        caPEM: [UInt8]? = nil,
        certificatePEM: [UInt8]? = nil,
        keyPEM: [UInt8]? = nil,
        insecureSkipVerify: Bool = false
    ) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.caPEM = caPEM
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
        self.insecureSkipVerify = insecureSkipVerify
    }
}
