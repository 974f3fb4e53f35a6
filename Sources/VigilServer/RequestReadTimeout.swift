import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request is not read in time: its first request head `headTimeout` after
/// the handler was added (the connection's start), and every request whole — head to the end of its
/// body — `readTimeout` after its head. A slowloris client that trickles header bytes, or never sends
/// any, holds a descriptor for `headTimeout` at most; one that trickles a body (a byte every few minutes
/// restarts the idle timeout, and a server that answered 401 before the body still reads it to the end)
/// holds it for `readTimeout` at most, as Go's `ReadTimeout` bounds the whole request. Sits after the HTTP
/// decoder, so a head means a complete, parsed one. Between requests the idle timeout applies.
final class RequestReadTimeout: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let headTimeout: TimeAmount
    private let readTimeout: TimeAmount
    private var deadline: Scheduled<Void>?

    init(headTimeout: TimeAmount, readTimeout: TimeAmount) {
        self.headTimeout = headTimeout
        self.readTimeout = readTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        arm(headTimeout, context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: arm(readTimeout, context: context)
        case .end: disarm()
        case .body: break
        }
        context.fireChannelRead(data)
    }

    /// Closes the connection `timeout` from now unless disarmed or armed again first.
    private func arm(_ timeout: TimeAmount, context: ChannelHandlerContext) {
        disarm()
        // The handler and its context live on the channel's event loop, where the task runs.
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            context.close(promise: nil)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}

@available(*, unavailable)
extension RequestReadTimeout: Sendable {}
