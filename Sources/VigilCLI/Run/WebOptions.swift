import ArgumentParser
import Logging
import VigilServer
import VigilYAML

/// The `--web.*` flags of `vigil run`, named as Prometheus and its exporters name them: what secures
/// the HTTP server and what bounds its connections.
struct WebOptions: ParsableArguments {
    @Option(
        name: .customLong("web.config.file"),
        help: ArgumentHelp(
            "Web configuration file of the Prometheus exporter toolkit: tls_server_config, basic_auth_users (bcrypt), http_server_config.headers. Re-read when it or a file it names changes.",
            valueName: "file"
        )
    )
    var configFile: String?

    @Option(
        name: .customLong("web.bearer-token-file"),
        help: ArgumentHelp(
            "File holding a token that authenticates requests as 'Authorization: Bearer TOKEN' (besides or instead of basic auth). Re-read when it changes.",
            valueName: "file"
        )
    )
    var bearerTokenFile: String?

    @Flag(
        name: .customLong("web.enable-lifecycle"),
        help:
            "Serve POST (or PUT) /-/reload (403 without this flag). Needs authentication: basic_auth_users, a required client certificate or --web.bearer-token-file."
    )
    var enableLifecycle = false

    @Flag(
        name: .customLong("web.enable-approvals"),
        help:
            "Serve POST /api/v1/proposals/ID/approve and /reject (403 without this flag). Needs authentication, as --web.enable-lifecycle."
    )
    var enableApprovals = false

    @Option(
        name: .customLong("web.read-header-timeout"),
        help: ArgumentHelp(
            "Close a new connection whose first request head is not complete after this long, TLS handshake included (default 10s).",
            valueName: "duration"
        )
    )
    var readHeaderTimeout: String?

    @Option(
        name: .customLong("web.read-timeout"),
        help: ArgumentHelp(
            "Close a connection whose request, head to the end of its body, is not read this long after its head (default 5m, as Prometheus's flag of the name).",
            valueName: "duration"
        )
    )
    var readTimeout: String?

    @Option(
        name: .customLong("web.idle-timeout"),
        help: ArgumentHelp(
            "Close a connection with no complete request part or response for this long, kept-alive or half-sent (default 5m).",
            valueName: "duration"
        )
    )
    var idleTimeout: String?

    @Option(
        name: .customLong("web.max-connections"),
        help: ArgumentHelp(
            "Most connections served at once; more wait in the listen backlog (default 512).",
            valueName: "n"
        )
    )
    var maxConnections: Int?

    /// The server's security settings, with every bad flag or file reported.
    func security(logger: Logger) throws(DaemonConfig.Invalid) -> WebSecurity {
        var limits = ConnectionLimits()
        var errors: [String] = []
        func duration(_ text: String?, _ flag: String) -> Duration? {
            guard let text else { return nil }
            guard let seconds = DurationSyntax.seconds(text), seconds > 0 else {
                errors.append("\(flag): expected a duration like 10s or 5m, at most 100y, got \"\(text)\"")
                return nil
            }
            return .milliseconds(Int64((seconds * 1000).rounded()))
        }
        if let value = duration(readHeaderTimeout, "--web.read-header-timeout") { limits.readHeaderTimeout = value }
        if let value = duration(readTimeout, "--web.read-timeout") { limits.readTimeout = value }
        if let value = duration(idleTimeout, "--web.idle-timeout") { limits.idleTimeout = value }
        if let maxConnections {
            if maxConnections > 0 {
                limits.maxConnections = maxConnections
            } else {
                errors.append("--web.max-connections: expected at least 1, got \(maxConnections)")
            }
        }
        guard errors.isEmpty else { throw DaemonConfig.Invalid(errors: errors) }
        var enabled: Set<MutatingAPI> = []
        if enableLifecycle { enabled.insert(.lifecycle) }
        if enableApprovals { enabled.insert(.approvals) }
        do {
            return try WebSecurity.load(
                webConfigFile: configFile,
                bearerTokenFile: bearerTokenFile,
                enabled: enabled,
                limits: limits,
                logger: logger
            )
        } catch {
            throw DaemonConfig.Invalid(errors: error.errors)
        }
    }
}
