import ConcordStore
import ConcordSync
import ConcordCore
import ConcordServer
import ConcordTestSupport
import Foundation
import Logging
import NIOCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A `concord-server serve` process with short connection limits (so the tests need not wait the defaults' 10 and
/// 60 s) and the given options, and the token of its analyst alice. A process of its own: the timing these tests
/// measure must not depend on how busy the tests' own threads are.
final class LimitedServer: Sendable {
    let process: ServerProcess
    let token: String
    private let directory: URL

    init(headTimeout: Int = 1, bodyTimeout: Int = 2, _ arguments: [String] = []) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("concord-limits-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        process = ServerProcess(dbPath: directory.appendingPathComponent("server.sqlite").path)
        token = try process.addAnalyst("alice")
        try process.startBlocking(
            arguments: ["--head-timeout", "\(headTimeout)", "--body-timeout", "\(bodyTimeout)"] + arguments)
    }

    var port: Int { process.port }
    var url: String { process.url }

    func stop() {
        process.stopBlocking(signal: SIGTERM)
        try? FileManager.default.removeItem(at: directory)
    }
}

/// The milliseconds a fresh connection takes to get `GET /v1/health` answered.
private func healthMilliseconds(port: Int) -> Double? {
    guard let connection = try? RawHTTPTests.Connection(port: port) else { return nil }
    let start = ContinuousClock.now
    connection.send("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    guard connection.status() == 200 else { return nil }
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
}

private func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? .infinity : sorted[sorted.count / 2]
}

/// Whether the server closed `fd` (a read finds the end of the stream or an error rather than "nothing yet").
private func peerClosed(_ fd: Int32) -> Bool {
    var byte: UInt8 = 0
    let n = recv(fd, &byte, 1, Int32(MSG_DONTWAIT))
    if n == 0 { return true }
    if n < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }
    return false
}

@Suite("Connection limits (issue 15)", .serialized)
struct ConnectionLimitTests {
    /// The head of an oversized push that the server refuses before reading its body.
    private func oversizedPush(token: String, connectionClose: Bool) -> String {
        "POST /v1/changes HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(40 * 1024 * 1024)\r\n"
            + (connectionClose ? "Connection: close\r\n" : "") + "\r\n"
    }

    @Test("after an early 413 on a Connection: close request the body is drained and the connection closed")
    func earlyRefusalThenClose() async throws {
        let server = try LimitedServer()
        defer { server.stop() }
        let token = server.token
        let connection = try RawHTTPTests.Connection(port: server.port)
        var sendTimeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(connection.fd, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
        let head = oversizedPush(token: token, connectionClose: true)
        // As Python's urllib does: the whole body first, then read the answer. A server that stops reading after
        // its early answer leaves this send blocked (here: timed out after 30 s).
        let (sentAll, status, closed) = await RawHTTPTests.offPool {
            connection.send(head)
            let sent = connection.send([UInt8](repeating: UInt8(ascii: " "), count: 40 * 1024 * 1024))
            let status = connection.status()
            var byte: UInt8 = 0
            let closed = recv(connection.fd, &byte, 1, 0) == 0
            return (sent, status, closed)
        }
        #expect(sentAll, "the server stopped reading the refused body")
        #expect(status == 413)
        #expect(closed, "the server kept the connection open after its answer and the body")
    }

    @Test("an early 413 on a keep-alive request says Connection: close and closes after the body")
    func earlyRefusalOnKeepAlive() async throws {
        let server = try LimitedServer()
        defer { server.stop() }
        let token = server.token
        let connection = try RawHTTPTests.Connection(port: server.port)
        let head = oversizedPush(token: token, connectionClose: false)
        let (response, closed) = await RawHTTPTests.offPool {
            connection.send(head)
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = recv(connection.fd, &buffer, buffer.count, 0)
            let response = n > 0 ? String(decoding: buffer[..<n], as: UTF8.self).lowercased() : ""
            connection.send([UInt8](repeating: UInt8(ascii: " "), count: 40 * 1024 * 1024))
            var rest = 0
            while recv(connection.fd, &buffer, buffer.count, 0) > 0 { rest += 1 }
            return (response, rest == 0)
        }
        #expect(response.hasPrefix("http/1.1 413"))
        #expect(response.contains("connection: close"))
        #expect(closed, "nothing may follow the answer; the server closes")
    }

    @Test("50 slow connections are closed after the limits and do not delay /v1/health by 100 ms")
    func slowConnections() async throws {
        let server = try LimitedServer(headTimeout: 2, bodyTimeout: 3)
        defer { server.stop() }
        let token = server.token
        let port = server.port
        let before = await RawHTTPTests.offPool { (0..<15).compactMap { _ in healthMilliseconds(port: port) } }
        #expect(before.count == 15)

        // 25 trickle a head, 25 a body (after a whole head), one byte each every 100 ms.
        let (during, closedAfter) = await RawHTTPTests.offPool { () -> ([Double], [Double?]) in
            let start = ContinuousClock.now
            var sockets: [Int32] = []
            for index in 0..<50 {
                let fd = connectLoopback(port: port)
                guard fd >= 0 else { continue }
                let head =
                    index < 25
                    ? "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    : "POST /v1/changes HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
                        + "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                _ = head.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                sockets.append(fd)
            }
            var during: [Double] = []
            var closedAfter = [Double?](repeating: nil, count: sockets.count)
            let byte: [UInt8] = [UInt8(ascii: "x")]
            while ContinuousClock.now - start < .seconds(10), closedAfter.contains(where: { $0 == nil }) {
                for (index, fd) in sockets.enumerated() where closedAfter[index] == nil {
                    if peerClosed(fd) {
                        let elapsed = ContinuousClock.now - start
                        closedAfter[index] =
                            Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                    } else {
                        _ = send(fd, byte, 1, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                    }
                }
                // While every slow connection is still open (the first second): five health checks a round.
                for _ in 0..<5 where during.count < 15 {
                    if let ms = healthMilliseconds(port: port) { during.append(ms) }
                }
                usleep(100_000)
            }
            for fd in sockets { close(fd) }
            return (during, closedAfter)
        }
        #expect(during.count == 15)
        #expect(
            median(during) - median(before) < 100,
            "health took \(median(during)) ms (median) beside 50 slow connections, \(median(before)) ms before")
        #expect(closedAfter.count == 50)
        let heads = closedAfter.prefix(25).compactMap { $0 }
        let bodies = closedAfter.dropFirst(25).compactMap { $0 }
        #expect(heads.count == 25, "a head trickling a byte every 100 ms was never cut off")
        #expect(bodies.count == 25, "a body trickling a byte every 100 ms was never cut off")
        // Head limit 2 s, body limit 3 s (from the head): neither early nor much later.
        #expect(heads.allSatisfy { $0 >= 1.9 && $0 < 6 }, "heads closed after \(heads)")
        #expect(bodies.allSatisfy { $0 >= 2.9 && $0 < 7 }, "bodies closed after \(bodies)")
    }

    @Test("a connection that sends nothing after its response is closed after the head limit")
    func idleKeepAlive() async throws {
        let server = try LimitedServer()
        defer { server.stop() }
        let connection = try RawHTTPTests.Connection(port: server.port)
        let (status, closedWithin) = await RawHTTPTests.offPool { () -> (Int?, Double) in
            connection.send("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let status = connection.status()
            let start = ContinuousClock.now
            var buffer = [UInt8](repeating: 0, count: 4096)
            while recv(connection.fd, &buffer, buffer.count, 0) > 0 {}
            let elapsed = ContinuousClock.now - start
            return (status, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        #expect(status == 200)
        #expect(closedWithin > 0.8 && closedWithin < 4, "closed after \(closedWithin) s")
    }

    @Test("the defaults are the documented ones: 10 s for a head, 60 s for a body")
    func defaults() {
        let limits = ConnectionLimits()
        #expect(limits.headTimeout == .seconds(10))
        #expect(limits.bodyTimeout == .seconds(60))
        #expect(RateLimit() == RateLimit(perSecond: 50, burst: 1_000))
    }
}

@Suite("Rate limit (issue 15)", .serialized)
struct RateLimitTests {
    @Test("a token over its burst gets 429 with Retry-After; health is never limited")
    func tooManyRequests() async throws {
        // One request per 20 s after the burst: a slow machine cannot refill the bucket between the requests.
        let server = try LimitedServer(headTimeout: 10, bodyTimeout: 60, ["--rate-limit", "0.05", "--rate-burst", "2"])
        defer { server.stop() }
        let token = server.token
        let port = server.port
        let heads = await RawHTTPTests.offPool { () -> [String] in
            (0..<3).map { _ in
                guard let connection = try? RawHTTPTests.Connection(port: port) else { return "" }
                connection.send(
                    "GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nConnection: close\r\n\r\n"
                )
                var data: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = recv(connection.fd, &buffer, buffer.count, 0)
                    if n <= 0 { break }
                    data += buffer[..<n]
                }
                return String(decoding: data, as: UTF8.self).lowercased()
            }
        }
        #expect(heads[0].hasPrefix("http/1.1 200"))
        #expect(heads[1].hasPrefix("http/1.1 200"))
        #expect(heads[2].hasPrefix("http/1.1 429"))
        #expect(heads[2].contains("retry-after: 20") || heads[2].contains("retry-after: 19"), "\(heads[2])")
        #expect(heads[2].contains("alice made more than 2 requests"))
        // Health needs no token and is never limited.
        #expect(await RawHTTPTests.offPool { healthMilliseconds(port: port) } != nil)
    }

    @Test("concord sync waits out 429s and finishes; an impatient client says what happened")
    func syncHonoursRetryAfter() async throws {
        let strict = try LimitedServer(headTimeout: 10, bodyTimeout: 60, ["--rate-limit", "0.05", "--rate-burst", "2"])
        defer { strict.stop() }
        let impatient = HTTPTransport(server: strict.url, token: strict.token, rateLimitPatience: .zero)
        _ = try await impatient.me()
        _ = try await impatient.me()
        await #expect {
            _ = try await impatient.me()
        } throws: { error in
            guard case .server(429, let message) = error as? SyncError else { return false }
            return message.contains("retry after")
        }

        let server = try LimitedServer(headTimeout: 10, bodyTimeout: 60, ["--rate-limit", "2", "--rate-burst", "2"])
        defer { server.stop() }
        let url = server.url
        let token = server.token

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("concord-rate-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try LocalStore.create(
            at: directory.appendingPathComponent("alice.sqlite").path, analyst: try AnalystName("alice"),
            server: url, token: token)
        let articles = try (0..<4).map { index in
            let path = directory.appendingPathComponent("report-\(index).txt").path
            try "Report \(index)\n\nThe drill took place over the sea on day \(index).".write(
                toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        _ = try store.importArticles(articles)
        let pending = try store.metadata().pendingCount
        // One push per change and one pull per change: far more requests than the bucket holds.
        var options = SyncEngine.Options()
        options.pushBatch = 1
        options.pullPage = 1
        let start = ContinuousClock.now
        let summary = try await SyncEngine(
            store: store, transport: HTTPTransport(server: url, token: token), options: options
        ).run()
        #expect(pending >= 4)
        #expect(summary.pushed == pending)
        #expect(try store.metadata().pendingCount == 0)
        #expect(ContinuousClock.now - start >= .seconds(1), "the sync cannot have finished without waiting")
    }
}
