import Foundation
import Logging

/// How `vigil run` guards its HTTP server: the web configuration file (TLS, basic auth, headers), the
/// bearer token file, which mutating API groups are on, and the connection limits.
///
/// Built by ``load(webConfigFile:bearerTokenFile:enabled:limits:logger:)``, which refuses unsafe
/// combinations at the start: a mutating group enabled with no authentication at all is an error, not
/// a warning, because the default must be safe to expose.
public struct WebSecurity: Sendable {
    public var webConfig: ReloadingFile<WebConfig>?
    public var bearerToken: ReloadingFile<[UInt8]>?
    public var enabled: Set<MutatingAPI>
    public var limits: ConnectionLimits
    /// Whether the Alertmanager webhook takes only authenticated deliveries. With `--allow-apply` an alert
    /// can lead Vigil to change the cluster (a playbook that applies on it; a fix it verifies, kept
    /// unresolved or made worse by it, and undone): one anyone could post must not. Checked at every
    /// delivery, as the web configuration is re-read at every request.
    public var webhookNeedsAuthentication = false

    /// No TLS, no authentication, no mutating endpoint, default limits.
    public init(limits: ConnectionLimits = ConnectionLimits()) {
        self.enabled = []
        self.limits = limits
    }

    /// Why the server's security settings were refused.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var errors: [String]
        public var description: String { errors.joined(separator: "\n") }
    }

    /// Loads the files (each is then re-read whenever it changes) and checks that every enabled
    /// mutating group has authentication in front of it.
    public static func load(
        webConfigFile: String?,
        bearerTokenFile: String?,
        enabled: Set<MutatingAPI>,
        limits: ConnectionLimits = ConnectionLimits(),
        logger: Logger
    ) throws(Invalid) -> WebSecurity {
        var security = WebSecurity(limits: limits)
        security.enabled = enabled
        var errors: [String] = []
        if let webConfigFile {
            do {
                security.webConfig = try ReloadingFile(
                    path: webConfigFile,
                    load: { path in
                        Result { () throws(WebConfig.Invalid) in try WebConfig.load(file: path) }
                            .mapError { ReloadingFile<WebConfig>.Failure($0.description, files: $0.referencedFiles) }
                    },
                    dependencies: { $0.referencedFiles },
                    onChange: { result, atStart in
                        switch result {
                        case .success(let config):
                            logger.info("web configuration reloaded", metadata: ["file": "\(webConfigFile)"])
                            // TLS or not is decided at the start, as in the toolkit: a change of it takes a
                            // restart, and is said so.
                            if (config.tls != nil) != (atStart.tls != nil) {
                                let why: Logger.Message =
                                    config.tls != nil
                                    ? "tls_server_config added: connections stay plain HTTP until Vigil restarts"
                                    : """
                                    tls_server_config removed: TLS connections are refused until it is back or \
                                    Vigil restarts (and then serves plain HTTP)
                                    """
                                logger.warning(why, metadata: ["file": "\(webConfigFile)"])
                            }
                        case .failure(let failure):
                            logger.error(
                                "web configuration no longer loads; refusing requests until it does",
                                metadata: ["file": "\(webConfigFile)", "error": "\(failure.message)"]
                            )
                        }
                    }
                )
            } catch {
                errors.append(error.message)
            }
        }
        if let bearerTokenFile {
            do {
                security.bearerToken = try ReloadingFile(
                    path: bearerTokenFile,
                    load: readToken,
                    onChange: { result, _ in
                        if case .failure(let failure) = result {
                            logger.error(
                                "bearer token file no longer loads; refusing requests until it does",
                                metadata: ["error": "\(failure.message)"]
                            )
                        }
                    }
                )
            } catch {
                errors.append(error.message)
            }
        }
        if errors.isEmpty, !enabled.isEmpty, !security.authenticator.isConfigured {
            let flags = enabled.sorted().map(\.flag).joined(separator: " and ")
            errors.append(
                "\(flags) needs authentication: give --web.config.file with basic_auth_users (or "
                    + "tls_server_config.client_auth_type: RequireAndVerifyClientCert), or --web.bearer-token-file"
            )
        }
        guard errors.isEmpty else { throw Invalid(errors: errors) }
        return security
    }

    /// Whether connections are served over TLS: as the web configuration said at the start, fixed from
    /// then on, as in the toolkit (a change of it is logged as taking a restart).
    public var servesTLS: Bool { webConfig?.atStart.tls != nil }

    /// The authenticator over these files.
    public var authenticator: Authenticator {
        Authenticator(webConfig: webConfig, bearerToken: bearerToken)
    }

    /// A token file's contents without surrounding whitespace; empty is an error (it would match an
    /// empty `Bearer ` header).
    static func readToken(_ path: String) -> Result<[UInt8], ReloadingFile<[UInt8]>.Failure> {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(.init("\(path): cannot read the bearer token file"))
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { return .failure(.init("\(path): the bearer token file is empty")) }
        return .success(Array(token.utf8))
    }
}
