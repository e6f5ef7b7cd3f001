import Hummingbird
import NIOCore
import NIOHTTPTypes

/// How long a connection may take to send a request, and how much of a refused body the server still reads.
///
/// A request's head must arrive whole within ``headTimeout`` of the connection opening or of the previous response
/// ending, so an idle keep-alive connection is also closed after it (as Node.js does after 5 s); its body within
/// ``bodyTimeout`` of the head. Time spent answering never counts. The defaults let a 32 MiB push through at
/// 0.6 MB/s; the one-byte-a-second client of a slowloris attack is cut off.
public struct ConnectionLimits: Sendable {
    public var headTimeout: TimeAmount
    public var bodyTimeout: TimeAmount
    /// After an answer sent before its request's body was read (a 413, a 401), the server reads and discards the rest
    /// of the body, at most this many bytes and while no pause is longer than this, then closes: a client that sends
    /// its whole body before it reads (Python's urllib, curl without Expect) then gets the answer instead of a reset.
    public var lingerTimeout: TimeAmount
    public var lingerBytes: Int

    public init(
        headTimeout: TimeAmount = .seconds(10), bodyTimeout: TimeAmount = .seconds(60),
        lingerTimeout: TimeAmount = .seconds(5), lingerBytes: Int = 64 * 1024 * 1024
    ) {
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
        self.lingerTimeout = lingerTimeout
        self.lingerBytes = lingerBytes
    }
}

/// Guards one HTTP/1 connection: closes it when a request's head or body is too slow (slowloris), and closes it
/// after an early answer once the refused body has been read and discarded (a lingering close, as nginx does).
///
/// It sits in the pipeline after the HTTP decoder, so it sees request heads, bodies and ends, and the response parts
/// on their way out. It never answers by itself: a connection that runs out of time is closed without a response,
/// and the handler still reading its body gets an error and stores nothing.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    /// Request heads and ends read, and responses written, since the connection opened (HTTP/1 answers in order,
    /// so response n answers request n).
    private var heads = 0
    private var ends = 0
    private var answered = 0
    /// Bytes of a refused body discarded so far; nil unless the connection is lingering before its close.
    private var discarded: Int?
    private var timer: Scheduled<Void>?

    init(limits: ConnectionLimits) {
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(limits.headTimeout, context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(limits.headTimeout, context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if let discarded {
            // Lingering: the answer is out; read the rest of the refused body, pass none of it on, then close.
            switch part {
            case .body(let bytes) where discarded + bytes.readableBytes <= limits.lingerBytes:
                self.discarded = discarded + bytes.readableBytes
                arm(limits.lingerTimeout, context: context)
            default:
                close(context)
            }
            return
        }
        switch part {
        case .head:
            heads += 1
            arm(limits.bodyTimeout, context: context)
        case .body:
            break
        case .end:
            ends += 1
            disarm()
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard discarded == nil else {
            // Nobody above consumes the discarded body, so ask for more bytes here.
            context.read()
            return
        }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where ends == answered && heads > answered:
            // Answering before the request's body has arrived: the connection cannot carry another request.
            head.headerFields[.connection] = "close"
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end:
            let early = ends == answered
            answered += 1
            context.write(data, promise: promise)
            if early {
                context.flush()
                discarded = 0
                arm(limits.lingerTimeout, context: context)
                context.read()
            } else if heads == answered {
                arm(limits.headTimeout, context: context)
            }
        default:
            context.write(data, promise: promise)
        }
    }

    private func arm(_ timeout: TimeAmount, context: ChannelHandlerContext) {
        disarm()
        let loop = context.eventLoop.assumeIsolated()
        timer = loop.scheduleTask(in: timeout) { [weak self] in
            self?.timer = nil
            self?.close(context)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }

    private func close(_ context: ChannelHandlerContext) {
        disarm()
        context.close(promise: nil)
    }
}
