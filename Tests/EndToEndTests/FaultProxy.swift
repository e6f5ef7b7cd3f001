import ConcordCore
import ConcordTestSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback HTTP/1.1 proxy that misbehaves on purpose, one seeded fault per request:
/// it delays, cuts the request mid-body, truncates or drops the response, or sends the request to the server twice.
///
/// Threads and POSIX sockets, so it shares nothing with the client or the server it sits between.
final class FaultProxy: @unchecked Sendable {
    enum Fault: String, CaseIterable, Sendable {
        case none, delay, cutRequestBody, truncateResponse, dropResponse, duplicateRequest
    }

    let port: Int
    private let upstreamPort: Int
    private let listener: Int32
    private let lock = NSLock()
    private var random: SeededRandom
    private var counts: [Fault: Int] = [:]
    private var stopped = false
    private let faultRate: UInt64

    /// - Parameter faultRate: percent of requests that get a fault (the rest pass untouched).
    init(upstreamPort: Int, seed: UInt64, faultRate: UInt64 = 50) throws {
        self.upstreamPort = upstreamPort
        self.random = SeededRandom(seed: seed)
        self.faultRate = faultRate
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        guard bound == 0, listen(listener, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in acceptLoop() }.start()
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// How many requests got each fault.
    var faults: [Fault: Int] { lock.withLock { counts } }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if lock.withLock({ stopped }) { return }
                continue
            }
            Thread { [self] in serve(client) }.start()
        }
    }

    private func nextFault() -> (Fault, UInt64) {
        lock.withLock {
            let fault: Fault
            if random.next() % 100 >= faultRate {
                fault = .none
            } else {
                let faulty = Fault.allCases.dropFirst()
                fault = faulty[faulty.startIndex + Int(random.next() % UInt64(faulty.count))]
            }
            counts[fault, default: 0] += 1
            return (fault, random.next())
        }
    }

    /// Serves one client connection: request by request (keep-alive), each forwarded on a fresh upstream connection.
    private func serve(_ client: Int32) {
        defer { close(client) }
        var reader = MessageReader(fd: client)
        while let request = reader.readMessage() {
            let (fault, roll) = nextFault()
            switch fault {
            case .none:
                guard let response = exchange(request) else { return }
                guard writeAll(client, response) else { return }
            case .delay:
                usleep(UInt32(roll % 400_000))
                guard let response = exchange(request) else { return }
                guard writeAll(client, response) else { return }
            case .cutRequestBody:
                // The server gets the headers and part of the body, then the connection dies both ways.
                let upstream = connectUpstream()
                guard upstream >= 0 else { return }
                let cut = request.headerLength + Int(roll % UInt64(max(1, request.bytes.count - request.headerLength)))
                _ = writeAll(upstream, request.bytes.prefix(cut))
                close(upstream)
                return
            case .truncateResponse:
                guard let response = exchange(request) else { return }
                _ = writeAll(client, response.prefix(Int(roll % UInt64(max(1, response.count)))))
                return
            case .dropResponse:
                // The server did the work; the client never hears of it.
                _ = exchange(request)
                return
            case .duplicateRequest:
                _ = exchange(request)
                guard let response = exchange(request) else { return }
                guard writeAll(client, response) else { return }
            }
        }
    }

    private func connectUpstream() -> Int32 { connectLoopback(port: upstreamPort) }

    /// Sends one request upstream and reads its whole response.
    private func exchange(_ request: HTTPMessage) -> Data? {
        let upstream = connectUpstream()
        guard upstream >= 0 else { return nil }
        defer { close(upstream) }
        guard writeAll(upstream, request.bytes) else { return nil }
        var reader = MessageReader(fd: upstream)
        return reader.readMessage()?.bytes
    }
}

/// One HTTP/1.1 message, as bytes: headers and a Content-Length body.
struct HTTPMessage {
    var bytes: Data
    var headerLength: Int
}

/// Reads whole HTTP/1.1 messages (Content-Length bodies only, which is all Concord's client and server send).
struct MessageReader {
    let fd: Int32
    private var buffer = Data()

    init(fd: Int32) { self.fd = fd }

    mutating func readMessage() -> HTTPMessage? {
        let separator = Data("\r\n\r\n".utf8)
        var headerEnd: Int?
        while headerEnd == nil {
            if let range = buffer.range(of: separator) {
                headerEnd = range.upperBound - buffer.startIndex
            } else if !fill() {
                return nil
            }
        }
        let headerLength = headerEnd!
        let head = String(decoding: buffer.prefix(headerLength), as: UTF8.self).lowercased()
        var contentLength = 0
        for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
            contentLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        while buffer.count < headerLength + contentLength {
            if !fill() { return nil }
        }
        let message = Data(buffer.prefix(headerLength + contentLength))
        buffer = Data(buffer.dropFirst(headerLength + contentLength))
        return HTTPMessage(bytes: message, headerLength: headerLength)
    }

    private mutating func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = recv(fd, &chunk, chunk.count, 0)
        guard count > 0 else { return false }
        buffer.append(contentsOf: chunk[0..<count])
        return true
    }
}

@discardableResult
func writeAll(_ fd: Int32, _ data: Data) -> Bool {
    data.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let written = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            if written <= 0 { return false }
            offset += written
        }
        return true
    }
}

/// A plain `GET` on 127.0.0.1:`port`, for health checks: status and body.
func httpGet(port: Int, path: String, headers: [String: String] = [:]) -> (status: Int, body: Data)? {
    guard let response = httpRequest(port: port, method: "GET", path: path, headers: headers, body: nil) else {
        return nil
    }
    return response
}

/// One HTTP/1.1 request on a fresh connection; nil when the connection fails.
func httpRequest(port: Int, method: String, path: String, headers: [String: String], body: Data?) -> (
    status: Int, body: Data
)? {
    let fd = connectLoopback(port: port)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    if let body { head += "Content-Length: \(body.count)\r\n" }
    head += "\r\n"
    guard writeAll(fd, Data(head.utf8) + (body ?? Data())) else { return nil }
    var reader = MessageReader(fd: fd)
    guard let message = reader.readMessage() else { return nil }
    let statusLine = String(decoding: message.bytes.prefix(32), as: UTF8.self).split(separator: " ")
    guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
    return (status, Data(message.bytes.dropFirst(message.headerLength)))
}
