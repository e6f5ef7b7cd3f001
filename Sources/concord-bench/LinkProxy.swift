import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback TCP proxy that plays a network link of `megabits` per second each way (0: as fast as loopback),
/// counting the bytes it carries to the client: `concord-bench bootstrap --link-mbps` measures a first sync over it.
///
/// Each direction is one link shared by every connection: a chunk leaves when the link has carried the chunks
/// before it at the link's rate, so a download of N bytes takes at least N × 8 / rate seconds, as on a real link
/// of that speed (without its latency).
final class LinkProxy: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let upstreamPort: Int
    private let down: Pacer
    private let up: Pacer
    private let lock = NSLock()
    private var carried: Int64 = 0
    private var open: [Int32] = []

    /// Bytes carried from the server to the client so far.
    var bytesDown: Int64 { lock.withLock { carried } }

    init(to upstreamPort: Int, megabits: Double) throws {
        self.upstreamPort = upstreamPort
        down = Pacer(megabits: megabits)
        up = Pacer(megabits: megabits)
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw BenchError("proxy: socket failed") }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 64) == 0 else { throw BenchError("proxy: cannot listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        self.listener = listener
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Closes the listener and every connection.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in lock.withLock({ open }) { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: upstreamPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else {
                close(client)
                close(server)
                continue
            }
            lock.withLock { open += [client, server] }
            Thread.detachNewThread { [self] in pump(from: server, to: client, pacer: down, counted: true) }
            Thread.detachNewThread { [self] in pump(from: client, to: server, pacer: up, counted: false) }
        }
    }

    /// Copies bytes until either side closes, then closes both ways.
    private func pump(from source: Int32, to sink: Int32, pacer: Pacer, counted: Bool) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        loop: while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress!, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            pacer.wait(bytes: count)
            var done = 0
            while done < count {
                let wrote = buffer.withUnsafeBytes {
                    send(sink, $0.baseAddress! + done, count - done, Int32(MSG_NOSIGNAL))
                }
                if wrote < 0 && errno == EINTR { continue }
                guard wrote > 0 else { break loop }
                done += wrote
            }
            if counted { lock.withLock { carried += Int64(count) } }
        }
        shutdown(sink, Int32(SHUT_WR))
        shutdown(source, Int32(SHUT_RD))
    }
}

/// One direction of a link: hands out send times so that bytes leave at the link's rate.
private final class Pacer: @unchecked Sendable {
    private let secondsPerByte: Double
    private let lock = NSLock()
    private var free = ContinuousClock.now

    init(megabits: Double) { secondsPerByte = megabits > 0 ? 8 / (megabits * 1_000_000) : 0 }

    /// Waits until the link has carried `bytes` more after what it carried before.
    func wait(bytes: Int) {
        guard secondsPerByte > 0 else { return }
        let done = lock.withLock { () -> ContinuousClock.Instant in
            free = max(free, ContinuousClock.now) + .seconds(Double(bytes) * secondsPerByte)
            return free
        }
        let left = done - ContinuousClock.now
        if left > .zero { Thread.sleep(forTimeInterval: seconds(left)) }
    }
}
