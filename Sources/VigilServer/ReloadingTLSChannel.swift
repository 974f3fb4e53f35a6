import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// TLS in front of a child channel, with the context taken from the web configuration as it stands
/// when each connection arrives, so a rotated certificate or CA is served from the next connection on
/// (as the exporter toolkit reloads at every handshake). Hummingbird's own `TLSChannel` fixes its
/// context when the server is built.
///
/// A configuration that no longer loads, or no longer has TLS, closes new connections: never a
/// fallback to plain HTTP on a port that was serving TLS.
struct ReloadingTLSChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let webConfig: ReloadingFile<WebConfig>

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard case .success(let config) = webConfig.current(), let tls = config.tls else {
            // Debug only: the change itself was logged once as an error, and any client can open connections.
            logger.debug("TLS connection refused: the web configuration no longer loads or has no tls_server_config")
            // Closed here: a failed setup alone leaves the socket open, and the client waiting.
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ChannelError.inappropriateOperationForState)
        }
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.context))
            if tls.requiresClientCertificate {
                try channel.pipeline.syncOperations.addHandler(VerifiedClientCertificate())
            }
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
