import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose first request head has not been read `timeout` after the handler was
/// added (the connection's start): a slowloris client that trickles header bytes, or never sends any,
/// holds a descriptor for `timeout` at most. Sits after the HTTP decoder, so a head means a complete,
/// parsed one; later requests on a kept-alive connection are bounded by the idle timeout instead.
final class RequestHeadTimeout: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    private var headRead = false

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // The handler and its context live on the channel's event loop, where the task runs.
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            guard !self.headRead else { return }
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !headRead, case .head = unwrapInboundIn(data) {
            headRead = true
            deadline?.cancel()
            deadline = nil
        }
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension RequestHeadTimeout: Sendable {}
