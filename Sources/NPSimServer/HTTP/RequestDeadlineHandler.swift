import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request has not arrived whole within the deadline of its head: a client that sends
/// its headers and then trickles (or never sends) its body cannot hold a connection, a request task and a slot of
/// the connection cap for ever. Hummingbird's idle timeout covers the time before a request's head; this covers
/// the time after it.
///
/// One timer per connection, armed when a request starts and none is pending, and re-armed when it fires for a
/// request that has not expired yet: scheduling and cancelling a timer for every request of a keep-alive connection
/// cost a timer-queue update (and often a system call) per request.
final class RequestDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let deadline: TimeAmount
    /// When the request being received started; `nil` between requests.
    private var started: NIODeadline?
    private var timer: Scheduled<Void>?

    init(deadline: TimeAmount) {
        self.deadline = deadline
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            let now = NIODeadline.now()
            started = now
            if timer == nil { arm(context, at: now + deadline) }
        case .end:
            started = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    private func arm(_ context: ChannelHandlerContext, at time: NIODeadline) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: time) {
            let (handler, context) = loopBound.value
            handler.timer = nil
            guard let started = handler.started else { return }
            let expiry = started + handler.deadline
            if expiry <= .now() {
                context.close(promise: nil)
            } else {
                handler.arm(context, at: expiry)
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }
}
