import ConcordCore
import ConcordTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// HTTP as a careless or hostile client sends it, over a raw socket (issue 15, finding 3): client mistakes are 4xx,
/// never 500.
@Suite("Raw HTTP", .serialized)
struct RawHTTPTests {
    /// Runs blocking socket calls on a thread of their own: on the cooperative pool they would starve the in-process
    /// server's handlers (two threads on two cores) until the receive timeout.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: body()) }
        }
    }

    /// A connection to 127.0.0.1:`port` with a 20 s receive timeout.
    final class Connection: @unchecked Sendable {
        let fd: Int32

        init(port: Int) throws {
            fd = connectLoopback(port: port)
            guard fd >= 0 else { throw POSIXError(.ECONNREFUSED) }
            var timeout = timeval(tv_sec: 20, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(fd) }

        /// Sends all of `bytes`; false when the server closed the connection first.
        @discardableResult
        func send(_ bytes: [UInt8]) -> Bool {
            var offset = 0
            while offset < bytes.count {
                let sent = bytes[offset...].withUnsafeBytes {
                    Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                if sent <= 0 { return false }
                offset += sent
            }
            return true
        }

        func send(_ text: String) { send(Array(text.utf8)) }

        func finishWriting() { shutdown(fd, Int32(SHUT_WR)) }

        /// The status code of the first response, read until the head ends (or the connection does).
        func status() -> Int? {
            var data: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !data.isEmpty ? !String(decoding: data, as: UTF8.self).contains("\r\n\r\n") : true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { break }
                data += buffer[..<n]
            }
            let head = String(decoding: data, as: UTF8.self)
            guard head.hasPrefix("HTTP/1.1 ") else { return nil }
            return Int(head.dropFirst(9).prefix(3))
        }
    }

    /// The status a real server answers to a push written by `write` after the head `headers`, with a valid
    /// token (the socket calls run off the cooperative pool).
    func status(headers: String, _ write: @escaping @Sendable (Connection) -> Void) async throws -> Int? {
        try await Cluster.with { cluster in
            try await cluster.analyst("alice")
            let connection = try Connection(port: cluster.server.url.port!)
            let head =
                "POST /v1/changes HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(cluster.tokens["alice"]!)\r\n"
                + "Content-Type: application/json\r\n" + headers + "\r\n"
            return await Self.offPool {
                connection.send(head)
                write(connection)
                return connection.status()
            }
        }
    }

    @Test("a chunked body over 32 MiB is a 413, not a 500")
    func chunkedOverLimit() async throws {
        let status = try await status(headers: "Transfer-Encoding: chunked\r\n") { connection in
            let chunk =
                Array("100000\r\n".utf8) + [UInt8](repeating: UInt8(ascii: " "), count: 0x100000) + Array("\r\n".utf8)
            for _ in 0..<40 where connection.send(chunk) {}
            connection.send("0\r\n\r\n")
        }
        #expect(status == 413)
    }

    @Test("a body shorter than its Content-Length, then a half-close, is a 400, not a 500")
    func shortBody() async throws {
        let status = try await status(headers: "Content-Length: 1000\r\n") { connection in
            connection.send("{\"replica\":")
            connection.finishWriting()
        }
        #expect(status == 400)
    }
}
