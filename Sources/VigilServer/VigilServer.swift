import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import VigilEngine
import VigilScrape

/// The HTTP side of `vigil run`:
///
/// - `GET /metrics`: Vigil's own metrics (swift-metrics through swift-prometheus), then
///   `vigil_anomaly_score` for every scored series, streamed in chunks straight from the store;
/// - `GET /healthz`: 200 while the process serves;
/// - `GET /readyz`: 200 once every target has been scraped once, 503 before;
/// - `GET /api/v1/anomalies[?ongoing=true]`: anomalies with their evidence, as JSON;
/// - `GET /api/v1/incidents[?state=open|resolved]`: the diagnosed incidents, open ones first, in the
///   schema of `vigil diagnose --output json` plus `state` and `resolved_at`;
/// - `GET /api/v1/incidents/{id}`: one incident (404 when unknown);
/// - `GET /api/v1/targets`: each target's latest scrape, as JSON;
/// - `POST /-/reload` (or `PUT`): re-reads the configuration (as `SIGHUP` does), keeping learnt state; 500
///   with every error when refused; off unless ``MutatingAPI/lifecycle`` is enabled (403 otherwise);
/// - `GET /api/v1/proposals`, `/api/v1/proposals/{id}`: remediation's proposals and where each stands;
///   `POST /api/v1/proposals/{id}/approve|reject`: off unless ``MutatingAPI/approvals`` is enabled;
/// - `POST /webhook/alertmanager`: Alertmanager's webhook (payload version 4), queued for diagnosis;
/// - `POST /mcp`: the read-only MCP tools over streamable HTTP (``addMCPRoute(to:)``, `docs/AI.md`).
///
/// ``WebSecurity`` guards every path alike, as the exporter toolkit guards node_exporter's: TLS and
/// basic auth from the web configuration file, or a bearer token; a 401 before routing, so an
/// unauthenticated client cannot even tell which paths exist. Connections are bounded by
/// ``ConnectionLimits``.
///
/// JSON answers use Prometheus's API envelope: `{"status":"success","data":…}`, or
/// `{"status":"error","errorType":…,"error":…}` with a 4xx/5xx status.
public struct VigilServer: Sendable {
    public let host: String
    public let port: Int
    let status: any DaemonStatus
    private let registry: PrometheusCollectorRegistry
    /// Reloads the configuration; its argument names the request (`PUT /-/reload`) for the log.
    private let reload: @Sendable (String) async -> Result<String, ReloadError>
    private let logger: Logger
    let security: WebSecurity
    private let authenticator: Authenticator
    /// Remediation's proposals; nil without a cluster (the routes answer 404).
    let proposals: (any ProposalDesk)?
    /// The webhook's queue; nil without diagnosis.
    let alerts: AlertIntake?
    /// How long a POST to `/mcp` may wait for the server's answer (a 500 then): a tool reads the daemon's
    /// own state, in well under a second. Settable for tests, whose pool a parallel run can keep busy
    /// for longer than this.
    public var mcpAnswerDeadline = Duration.seconds(60)
    /// Bytes per chunk of the streamed score exposition: large enough to amortise a hop to the
    /// pipeline's actor, small enough not to hold it up.
    public static let chunkBytes = 256 * 1024

    /// Why a reload was refused: the configuration's errors, every one of them.
    public struct ReloadError: Error, Sendable {
        public let message: String
        public init(_ message: String) { self.message = message }
    }

    public init(
        host: String,
        port: Int,
        status: any DaemonStatus,
        registry: PrometheusCollectorRegistry,
        logger: Logger,
        security: WebSecurity = WebSecurity(),
        proposals: (any ProposalDesk)? = nil,
        alerts: AlertIntake? = nil,
        reload: @escaping @Sendable (String) async -> Result<String, ReloadError>
    ) {
        self.security = security
        self.proposals = proposals
        self.alerts = alerts
        self.authenticator = security.authenticator
        self.host = host
        self.port = port
        self.status = status
        self.registry = registry
        self.logger = logger
        self.reload = reload
    }

    /// The server as a service; `onListening` gets the bound port (useful with port 0).
    ///
    /// Built from Hummingbird's HTTP/1.1 server and router, without its `Application`: that also runs a
    /// task refreshing a cached `Date` header every second, which made an idle Vigil wake sixty times a
    /// minute and cost about a sixth of the CPU of scraping 100k series every 10 s. The date is
    /// formatted per response instead (``HTTPDate``).
    public func service(onListening: @escaping @Sendable (Int) -> Void = { _ in }) throws -> any Service {
        let responder = router().buildResponder()
        let logger = self.logger
        let host = self.host
        let security = self.security
        let authenticator = self.authenticator
        let tls = security.servesTLS
        let http1 = security.limits.http1Configuration
        let builder = HTTPServerBuilder { responder in
            let channel = HTTP1Channel(responder: responder, configuration: http1)
            guard tls, let webConfig = security.webConfig else { return channel }
            return ReloadingTLSChannel(base: channel, webConfig: webConfig)
        }
        let server = try builder.buildServer(
            configuration: ServerConfiguration(
                address: .hostname(host, port: port),
                serverName: Self.serverName,
                availableConnectionsDelegate: .maximum(security.limits.maxConnections, logger: logger)
            ),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: logger,
            responder: { request, writer, channel in
                var context = VigilRequestContext(
                    source: ApplicationRequestContextSource(channel: channel, logger: logger)
                )
                var response: Response
                // Read once per request: for the decision and for the headers of whatever is answered.
                let webConfig = security.webConfig?.current()
                switch await authenticator.decide(authorization: request.headers[.authorization], webConfig: webConfig)
                {
                case .allow(.clientCertificate) where !(await VerifiedClientCertificate.isMarked(channel)):
                    // The file asks for client certificates this connection never showed.
                    response = Self.plain(
                        .unauthorized,
                        "Unauthorized: this connection showed no verified client certificate\n"
                    )
                case .allow(let principal):
                    context.principal = principal
                    response = await Self.respond(to: request, context: context, with: responder, logger: logger)
                case .challenge(let schemes):
                    response = Self.unauthorized(schemes)
                    // Alertmanager sending wrong credentials shows where its deliveries are counted.
                    if request.uri.path == Self.webhookPath { Self.countWebhook(response.status) }
                case .unavailable:
                    // The toolkit's answer when its file no longer parses; the reason is in the log.
                    response = Self.plain(.internalServerError, "Internal Server Error\n")
                }
                for header in (try? webConfig?.get())?.headers ?? [] {
                    if let name = HTTPField.Name(header.name) { response.headers[name] = header.value }
                }
                response.headers[.date] = HTTPDate.now
                response.headers[.server] = Self.serverName
                try await writer.write(response: response.head, body: response.body)
            },
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("serving HTTP", metadata: ["address": "\(host):\(port)", "tls": "\(tls)"])
                onListening(port)
            }
        )
        return ListeningService(server: server, address: "\(host):\(port)")
    }

    /// The router's answer, with a 405 where it said 404 for a known path.
    private static func respond(
        to request: Request,
        context: VigilRequestContext,
        with responder: some HTTPResponder<VigilRequestContext>,
        logger: Logger
    ) async -> Response {
        var response: Response
        do {
            // The router answers its own errors (404, 405, any HTTPError); what else escapes is a 500.
            response = try await responder.respond(to: request, context: context)
            // The router answers 404 for a known path asked with another method; RFC 9110 says 405
            // with the methods it does answer.
            if response.status == .notFound,
                let allow = Self.allowedMethods.refusal(of: request.method.rawValue, at: request.uri.path)
            {
                response = Response(
                    status: .methodNotAllowed,
                    headers: [.allow: allow, .contentType: "text/plain; charset=utf-8"],
                    body: ResponseBody(
                        byteBuffer: ByteBuffer(string: "\(request.method) is not allowed here; use \(allow)\n")
                    )
                )
            }
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            response = Response(status: .internalServerError)
        }
        return response
    }

    /// 401 as the exporter toolkit answers it: one body whatever was wrong (no user, wrong password,
    /// no header), with a challenge per configured scheme.
    static func unauthorized(_ schemes: [String]) -> Response {
        var response = plain(.unauthorized, "Unauthorized\n")
        for scheme in schemes {
            response.headers.append(HTTPField(name: .wwwAuthenticate, value: scheme))
        }
        return response
    }

    private static func plain(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body))
        )
    }

    static let serverName = "vigil"

    /// The methods each path answers, for the `Allow` header of a 405: HEAD wherever GET (the router
    /// generates it). Keep in step with ``router()``: the daemon tests ask every path with every method.
    static let allowedMethods = AllowedMethods([
        ("/metrics", "GET, HEAD"),
        ("/healthz", "GET, HEAD"),
        ("/readyz", "GET, HEAD"),
        ("/api/v1/anomalies", "GET, HEAD"),
        ("/api/v1/incidents", "GET, HEAD"),
        ("/api/v1/incidents/:id", "GET, HEAD"),
        ("/api/v1/targets", "GET, HEAD"),
        ("/-/reload", "POST, PUT"),
        ("/api/v1/proposals", "GET, HEAD"),
        ("/api/v1/proposals/:id", "GET, HEAD"),
        ("/api/v1/proposals/:id/approve", "POST"),
        ("/api/v1/proposals/:id/reject", "POST"),
        (webhookPath, "POST"),
        ("/mcp", "POST"),
    ])

    /// Paths, written as the router's (a `:name` segment stands for any one segment), and the methods
    /// each answers.
    struct AllowedMethods: Sendable {
        private let routes: [(segments: [Substring], allow: String)]

        init(_ routes: [(path: String, allow: String)]) {
            self.routes = routes.map { (segments: $0.path.split(separator: "/"), allow: $0.allow) }
        }

        /// The `Allow` value when `path` is known and `method` is not among its methods; else nil. A 404
        /// for a method the path does answer is the handler's own (no incident with that id), and stays.
        func refusal(of method: String, at path: String) -> String? {
            // Split as the router splits: empty segments (`//`, a trailing `/`) are dropped.
            let asked = path.split(separator: "/")
            guard
                let route = routes.first(where: { candidate in
                    candidate.segments.count == asked.count
                        && zip(candidate.segments, asked).allSatisfy { $0.first == ":" || $0 == $1 }
                })
            else { return nil }
            let methods = route.allow.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return methods.contains(method) ? nil : route.allow
        }
    }

    func router() -> Router<VigilRequestContext> {
        let router = Router(context: VigilRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.get("/metrics") { _, _ in metrics() }
        router.get("/healthz") { _, _ in text("ok\n") }
        router.get("/readyz") { _, _ in
            await status.isReady
                ? text("ready\n")
                : text("not ready: waiting for the first scrape of every target\n", .serviceUnavailable)
        }
        router.get("/api/v1/anomalies") { request, _ in
            // Exactly true or false, as `state` is checked on incidents: `ongoing=1` or `=yes` read as
            // false would answer ended anomalies to a caller who asked for none.
            let ongoingOnly: Bool
            switch request.uri.queryParameters.get("ongoing") {
            case nil, "false"?: ongoingOnly = false
            case "true"?: ongoingOnly = true
            case let other?:
                return error(.badRequest, type: "bad_data", "ongoing: expected true or false, got \"\(other)\"")
            }
            return json(await status.anomalies(includeEnded: !ongoingOnly))
        }
        router.get("/api/v1/incidents") { request, _ in
            let state = request.uri.queryParameters.get("state")
            guard let state else { return json(await status.incidents(in: nil), escapingSlashes: false) }
            guard let wanted = TrackedIncident.State(rawValue: state) else {
                return error(.badRequest, type: "bad_data", "state: expected open or resolved, got \"\(state)\"")
            }
            return json(await status.incidents(in: wanted), escapingSlashes: false)
        }
        router.get("/api/v1/incidents/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let incident = await status.incident(id: id) else {
                return error(.notFound, type: "not_found", "no incident with id \"\(id)\"")
            }
            return json(incident, escapingSlashes: false)
        }
        router.get("/api/v1/targets") { _, _ in json(await status.health) }
        // POST or PUT, as Prometheus takes it; a refused reload is its 500, the running configuration kept.
        for method in [HTTPRequest.Method.post, .put] {
            router.mutating(method, "/-/reload", api: .lifecycle, enabled: security.enabled) { _, _ in
                switch await reload("\(method) /-/reload") {
                case .success(let summary): return text(summary + "\n")
                case .failure(let error): return text(error.message + "\n", .internalServerError)
                }
            }
        }
        addProposalRoutes(to: router)
        addWebhookRoute(to: router)
        addMCPRoute(to: router)
        return router
    }

    private func metrics() -> Response {
        let status = self.status
        let registry = self.registry
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(bytes: registry.emitToBuffer()))
                var cursor: Int? = 0
                while let from = cursor {
                    let chunk = await status.scoreChunk(from: from, chunkBytes: Self.chunkBytes)
                    if !chunk.bytes.isEmpty { try await writer.write(ByteBuffer(bytes: chunk.bytes)) }
                    cursor = chunk.next
                }
                try await writer.finish(nil)
            }
        )
    }

    func text(_ body: String, _ status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body))
        )
    }

    private struct Envelope<Payload: Encodable>: Encodable {
        var status = "success"
        var data: Payload
    }

    private struct ErrorEnvelope: Encodable {
        var status = "error"
        var errorType: String
        var error: String
    }

    /// The API's error envelope, as Prometheus's: `{"status":"error","errorType":…,"error":…}`.
    func error(_ status: HTTPResponse.Status, type: String, _ message: String) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(ErrorEnvelope(errorType: type, error: message))) ?? Data()
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }

    /// `payload` in the success envelope. Incidents are written as `vigil diagnose --output json` writes
    /// them (`deployment/web`, not `deployment\/web`); other answers keep the escaping they always had.
    func json(_ payload: some Encodable, escapingSlashes: Bool = true) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = escapingSlashes ? [.sortedKeys] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "+Inf",
            negativeInfinity: "-Inf",
            nan: "NaN"
        )
        let status: HTTPResponse.Status
        let body: Data
        do {
            body = try encoder.encode(Envelope(data: payload))
            status = .ok
        } catch {
            // The envelope this server promises for errors, with a 5xx: never a 200 that says nothing.
            body = Data(
                #"{"status":"error","errorType":"internal","error":"the answer could not be encoded as JSON"}"#.utf8
            )
            status = .internalServerError
        }
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}
