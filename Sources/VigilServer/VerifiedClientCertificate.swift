import NIOCore

/// Marks a connection whose TLS handshake required, and so verified, a client certificate (the web
/// configuration asked for `RequireAndVerifyClientCert` when the connection was opened). Only such a
/// connection stands for a certificate holder: the configuration read at a request may ask for client
/// certificates that the connection never showed — it was opened before the file changed, or the
/// listener was started without TLS, which a changed file cannot turn on (as in the exporter toolkit).
final class VerifiedClientCertificate: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    /// Whether `channel` carries the mark.
    static func isMarked(_ channel: any Channel) async -> Bool {
        (try? await channel.pipeline.handler(type: VerifiedClientCertificate.self).get()) != nil
    }
}
