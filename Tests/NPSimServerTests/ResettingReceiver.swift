import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A receiver that reads each request and answers with a TCP reset (`SO_LINGER` 0, then close): what a crashing
/// proxy or a firewall does to a webhook.
struct ResettingReceiver: Sendable {
    let channel: any Channel
    let resets: NIOLockedValueBox<Int>

    var url: String { "http://127.0.0.1:\(channel.localAddress?.port ?? 0)/hook" }

    static func start() async throws -> ResettingReceiver {
        let resets = NIOLockedValueBox(0)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(ResetHandler(resets: resets)) }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return ResettingReceiver(channel: channel, resets: resets)
    }

    func stop() async throws {
        try await channel.close()
    }
}

private final class ResetHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let resets: NIOLockedValueBox<Int>

    init(resets: NIOLockedValueBox<Int>) {
        self.resets = resets
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        resets.withLockedValue { $0 += 1 }
        let channel = context.channel
        guard let socket = channel as? any SocketOptionProvider else { return context.close(promise: nil) }
        socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
    }
}
