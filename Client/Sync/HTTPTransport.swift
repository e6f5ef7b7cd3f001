import AsyncHTTPClient
import CompressNIO
import ConcordCore
import ConcordStore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The sync protocol over HTTP/1.1 with JSON bodies, gzip both ways and a bearer token (protocol.md §5).
public struct HTTPTransport: SyncTransport {
    public let server: String
    private let token: String
    private let client: HTTPClient
    private let timeout: TimeAmount
    /// Largest response accepted, decompressed: 256 MiB unless a test says otherwise.
    private let maxResponseBytes: Int
    /// How long in all a request may wait out the server's `429 Too Many Requests` (its `Retry-After`) before the
    /// sync stops and says when to run it again.
    private let rateLimitPatience: Duration

    /// - Parameters:
    ///   - server: Base URL, e.g. `http://127.0.0.1:8080`.
    ///   - client: Defaults to the shared client, which decompresses gzip responses.
    public init(
        server: String, token: String, client: HTTPClient = HTTPTransport.sharedClient,
        timeout: TimeAmount = .seconds(60), maxResponseBytes: Int = 256 * 1024 * 1024,
        rateLimitPatience: Duration = .seconds(120)
    ) {
        self.maxResponseBytes = maxResponseBytes
        self.rateLimitPatience = rateLimitPatience
        var base = server
        while base.hasSuffix("/") { base.removeLast() }
        self.server = base
        self.token = token
        self.client = client
        self.timeout = timeout
    }

    /// An HTTP client that accepts gzip responses and times out stuck connections.
    public static let sharedClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: sharedConfiguration)

    private static var sharedConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            timeout: .init(connect: .seconds(3), read: .seconds(60)),
            // A bound in bytes, not a ratio: a legal page of repetitive text (a 4 MB article of one line repeated)
            // compresses past any ratio a bomb guard would pick, and must still sync. No legal answer comes near
            // it (a page holds at most 8 MiB of changes, plus one change of at most ~4.5 MiB).
            decompression: .enabled(limit: .size(Limits.responseBytes)))
        configuration.httpVersion = .http1Only
        // The sync engine retries with its own backoff; a refused connection should fail fast, not for seconds.
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    /// A client that checks `https` servers against the certificate authorities in the PEM file `caFile` instead of
    /// the system's trust store (a team's own CA, a self-signed server). One per file for the process's life, like
    /// ``sharedClient``.
    public static func client(trusting caFile: String) throws(SyncError) -> HTTPClient {
        let roots: [NIOSSLCertificate]
        do { roots = try NIOSSLCertificate.fromPEMFile(caFile) } catch {
            throw .badTrust(
                "cannot read the CA file \(caFile) (\(error)); pass a PEM file that starts with -----BEGIN "
                    + "CERTIFICATE----- to `concord init --analyst NAME --ca-file FILE`")
        }
        guard !roots.isEmpty else {
            throw .badTrust("the CA file \(caFile) holds no certificate; pass the PEM file of your server's CA")
        }
        return trustedClients.withLock { clients in
            if let client = clients[caFile] { return client }
            var configuration = sharedConfiguration
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(roots)
            configuration.tlsConfiguration = tls
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[caFile] = client
            return client
        }
    }

    private static let trustedClients = Mutex<[String: HTTPClient]>([:])

    /// gzip at zlib's fastest level for request bodies (pushes). The pushing client usually shares its machine's
    /// cores with other work (and, on one machine, with the server): level 1 deflates a push body much faster than
    /// the default level 6 for a few more bytes (BENCHMARKS.md, *Figures behind design choices*), and inflating it
    /// costs the server less too.
    static var requestCompression: CompressionAlgorithm { .gzip(configuration: .init(compressionLevel: 1)) }

    public func me() async throws(SyncError) -> Wire.Me {
        let (status, body) = try await send(method: .GET, path: "/v1/me", body: nil)
        guard status == 200 else { throw failure(status: status, body: body) }
        return try decode(Wire.Me.self, body)
    }

    /// `GET /v1/analysts`: the server's analysts (not revoked), or nil from a server that does not list them.
    public func analysts() async throws(SyncError) -> [Wire.Me]? {
        let (status, body) = try await send(method: .GET, path: "/v1/analysts", body: nil)
        if status == 404 { return nil }
        guard status == 200 else { throw failure(status: status, body: body) }
        return try decode([Wire.Me].self, body)
    }

    public func push(_ request: Wire.PushRequest) async throws(SyncError) -> PushOutcome {
        let json = request.canonicalJSON
        let (status, body) = try await send(method: .POST, path: "/v1/changes", body: json)
        switch status {
        case 200:
            return .accepted(try decode(Wire.PushResponse.self, body))
        case 403, 422:
            let error = try? JSONDecoder().decode(Wire.ErrorBody.self, from: body)
            var refused: [Wire.RefusedChange] = []
            if case .refused(let list) = error?.detail { refused = list }
            if status == 403 && refused.isEmpty { throw failure(status: status, body: body) }
            return .refused(status: status, message: error?.error ?? "refused", refused: refused)
        case 413:
            let error = try? JSONDecoder().decode(Wire.ErrorBody.self, from: body)
            return .tooLarge(message: error?.error ?? "request too large")
        default:
            throw failure(status: status, body: body)
        }
    }

    public func pull(after cursor: Int64, limit: Int) async throws(SyncError) -> Wire.PullPage {
        try await pull(path: "/v1/changes?after=\(cursor)&limit=\(limit)")
    }

    public func pull(after cursor: Int64, limit: Int, known: KnownPoint?) async throws(SyncError) -> Wire.PullPage {
        guard let known else { return try await pull(after: cursor, limit: limit) }
        return try await pull(path: "/v1/changes?after=\(cursor)&limit=\(limit)&known=\(known.seq):\(known.id)")
    }

    public func backfill(document: EntityID, after: Int64, through: Int64, limit: Int) async throws(SyncError)
        -> Wire.PullPage
    {
        try await pull(path: "/v1/changes?doc=\(document.rawValue)&after=\(after)&through=\(through)&limit=\(limit)")
    }

    /// A long poll: the server holds it until a change after `cursor` is committed or `seconds` pass (at most 50;
    /// the client's 60 s read timeout is above that).
    public func waitForChanges(after cursor: Int64, seconds: Int) async throws(SyncError) -> Bool {
        let wait = max(0, min(seconds, 50))
        return !(try await pull(path: "/v1/changes?after=\(cursor)&limit=1&wait=\(wait)").changes.isEmpty)
    }

    public func snapshotManifest() async throws(SyncError) -> Wire.SnapshotManifest? {
        let (status, body) = try await send(method: .GET, path: "/v1/snapshot", body: nil)
        // 404: no snapshot yet; a server from before snapshots answers 404 too.
        if status == 404 { return nil }
        guard status == 200 else { throw failure(status: status, body: body) }
        return try decode(Wire.SnapshotManifest.self, body)
    }

    public func downloadSnapshot(seq: Int64, from offset: Int64, into sink: any SnapshotSink) async throws -> Bool {
        let request: HTTPClient.Request
        do {
            var headers = HTTPHeaders([("Authorization", "Bearer \(token)")])
            if offset > 0 { headers.add(name: "Range", value: "bytes=\(offset)-") }
            request = try HTTPClient.Request(url: server + "/v1/snapshot/\(seq)", method: .GET, headers: headers)
        } catch {
            throw SyncError.protocolViolation("cannot make a request to \(server): \(error)")
        }
        // A delegate, not the async body: each chunk goes to the sink on the network thread as it arrives, with
        // no hop to a task per chunk (BENCHMARKS.md, *Figures behind design choices*).
        let download = SnapshotDownload(sink: sink, offset: offset)
        do {
            // The whole file may take minutes on a slow link; a stalled one still ends at the read timeout.
            _ = try await client.execute(request: request, delegate: download, deadline: .now() + .hours(2))
                .futureResult.get()
        } catch let error as SyncError {
            throw error
        } catch let error as StoreError {
            throw error
        } catch let error as SnapshotError {
            throw error
        } catch let error as NIOSSLError {
            throw await Self.tlsFailure(error, server: server)
        } catch {
            throw Self.failure(of: error, server: server)
        }
        let (status, body) = download.result
        if status == 404 || status == 416 { return false }
        guard status == 200 || status == 206 else { throw failure(status: status, body: body) }
        return true
    }

    private func pull(path: String) async throws(SyncError) -> Wire.PullPage {
        let (status, body) = try await send(method: .GET, path: path, body: nil)
        guard status == 200 else { throw failure(status: status, body: body) }
        do { return try Wire.PullPage.decode(json: body) } catch {
            throw .protocolViolation("\(Wire.PullPage.self): \(ChangeDecodingError(error).description)")
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ body: Data) throws(SyncError) -> T {
        do { return try JSONDecoder().decode(type, from: body) } catch {
            throw .protocolViolation("\(T.self): \(ChangeDecodingError(error).description)")
        }
    }

    private func failure(status: Int, body: Data) -> SyncError {
        let decoded = try? JSONDecoder().decode(Wire.ErrorBody.self, from: body)
        let message = decoded?.error ?? String(decoding: body.prefix(300), as: UTF8.self)
        if status == 409, case .text(Wire.rewoundDetail) = decoded?.detail { return .logRewound(message) }
        switch status {
        case 401: return .unauthorized(server: server, message: message)
        case 500...599: return .transient("\(server) answered \(status): \(message)")
        default: return .server(status: status, message: message)
        }
    }

    /// Sends one request; a `429` is waited out (its `Retry-After`) and sent again while the waits add up to at most
    /// ``rateLimitPatience``, so a sync that meets the server's rate limit slows down instead of failing.
    private func send(method: HTTPMethod, path: String, body: Data?) async throws(SyncError) -> (Int, Data) {
        var waited = Duration.zero
        while true {
            let (status, retryAfter, data) = try await sendOnce(method: method, path: path, body: body)
            guard status == 429, let retryAfter, waited + retryAfter <= rateLimitPatience else {
                return (status, data)
            }
            do { try await Task.sleep(for: retryAfter) } catch { throw .transient("cancelled while rate limited") }
            waited += retryAfter
        }
    }

    private func sendOnce(method: HTTPMethod, path: String, body: Data?) async throws(SyncError) -> (
        Int, Duration?, Data
    ) {
        var request = HTTPClientRequest(url: server + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Accept-Encoding", value: "gzip")
        if let body {
            var buffer = ByteBuffer(bytes: body)
            do {
                let compressed = try buffer.compress(with: Self.requestCompression)
                request.body = .bytes(compressed)
                request.headers.add(name: "Content-Encoding", value: "gzip")
            } catch {
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        do {
            let response = try await client.execute(request, timeout: timeout)
            let buffer = try await response.body.collect(upTo: maxResponseBytes)
            let retryAfter = response.headers.first(name: "Retry-After").flatMap(Int.init).map {
                Duration.seconds(max(0, $0))
            }
            return (Int(response.status.code), retryAfter, Data(buffer.readableBytesView))
        } catch is NIOTooManyBytesError {
            // The server is up: it sent more than any page may hold (a server that does not cut pages by size).
            throw .protocolViolation(
                "\(server) answered \(path) with more than \(maxResponseBytes) bytes, more than a page "
                    + "may hold; the server is up but sends pages this concord cannot take: upgrade concord-server "
                    + "(it cuts pages at \(Limits.pageBytes / (1024 * 1024)) MiB)")
        } catch let error as NIOSSLError {
            throw await Self.tlsFailure(error, server: server)
        } catch {
            throw Self.failure(of: error, server: server)
        }
    }

    /// A failed TLS handshake, said precisely when it can be: the server's certificate is fetched again without
    /// checking it (nothing is sent over that connection) and its dates read, so an expired or not yet valid
    /// certificate is named as such; anything else is the general sentence of ``failure(of:server:)``.
    static func tlsFailure(_ error: NIOSSLError, server: String) async -> SyncError {
        let general = failure(of: error, server: server)
        guard let url = URL(string: server), url.scheme == "https", let host = url.host else { return general }
        let port = url.port ?? 443
        var configuration = TLSConfiguration.makeClientConfiguration()
        // Checked by the callback below, which accepts any chain: this connection only reads the certificate.
        configuration.certificateVerification = .noHostnameVerification
        guard let context = try? NIOSSLContext(configuration: configuration) else { return general }
        let group = MultiThreadedEventLoopGroup.singleton
        let presented = group.next().makePromise(of: NIOSSLCertificate?.self)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(3))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try NIOSSLClientHandler(
                        context: context, serverHostname: host.first?.isNumber == true ? nil : host,
                        customVerificationCallback: { chain, verified in
                            presented.succeed(chain.first)
                            verified.succeed(.certificateVerified)
                        })
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        do {
            let channel = try await bootstrap.connect(host: host, port: port).get()
            defer { channel.close(promise: nil) }
            // The handshake runs once connected; a server that never answers it is given up on.
            group.next().scheduleTask(in: .seconds(3)) { presented.succeed(nil) }
            guard let certificate = try await presented.futureResult.get() else { return general }
            let now = time(nil)
            let date = { (t: time_t) in String(HLC(millis: Int64(t) * 1000, counter: 0).isoTime.prefix(10)) }
            if certificate.notValidAfter < now {
                return .badTrust(
                    "the TLS certificate of \(server) expired on \(date(certificate.notValidAfter)): the server's "
                        + "admin must renew it (concord-server serve --tls-cert NEW.pem). Your local changes are safe")
            }
            if certificate.notValidBefore > now {
                return .badTrust(
                    "the TLS certificate of \(server) is not valid before \(date(certificate.notValidBefore)): check "
                        + "this machine's clock, or the server's certificate. Your local changes are safe")
            }
        } catch {
            presented.succeed(nil)
        }
        return general
    }

    /// A request that did not complete, as a ``SyncError``: a TLS failure is not retried; a closed connection or a
    /// timeout is transient; anything else means the server could not be reached.
    static func failure(of error: any Error, server: String) -> SyncError {
        switch error {
        case is NIOSSLError:
            // Retrying cannot help: the certificate is not trusted here, or the server does not speak TLS.
            return .badTrust(
                "the TLS handshake with \(server) failed: its certificate is not signed by an authority this machine "
                    + "trusts, or it does not speak TLS. If your team signs its server certificates with its own CA, "
                    + "run `concord init --analyst NAME --ca-file CA.pem`; if the server speaks plain HTTP, use an "
                    + "http:// URL. Your local changes are safe")
        // NIOHTTPCompression's, by name: the module is AsyncHTTPClient's, not one this target links.
        case _ where String(reflecting: type(of: error)).hasSuffix("NIOHTTPDecompression.DecompressionError"):
            return .protocolViolation(
                "\(server) sent an answer that decompresses past \(Limits.responseBytes / (1024 * 1024)) MiB, more than "
                    + "any page may hold: the server is up but its answer is not one a sync server sends")
        case let error as HTTPClientError
        where error == .remoteConnectionClosed || error == .readTimeout || error == .connectTimeout
            || error == .deadlineExceeded:
            return .transient("\(server): \(error)", cause: SyncCause(error))
        default:
            return .unreachable(server: server, reason: describe(error), cause: SyncCause(error))
        }
    }

    /// Why a request could not reach the server, in words a person can act on, decided by the error's type
    /// (NIO's and AsyncHTTPClient's), never by its text; anything else is described as it describes itself.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            return "connection refused"
        case let error as IOError where error.errnoCode == ETIMEDOUT:
            return "connection timed out"
        case let error as NIOConnectionError:
            // Each address tried failed; the first failure is the telling one.
            if let first = error.connectionErrors.first { return describe(first.error) }
            if let dns = error.dnsAError ?? error.dnsAAAAError {
                return "cannot resolve \(error.host): \(String(describing: dns))"
            }
            return "cannot connect to \(error.host):\(error.port)"
        case let error as ChannelError:
            if case .connectTimeout = error { return "connection timed out" }
            return String(describing: error)
        case let error as HTTPClientError where error == .connectTimeout:
            return "connection timed out"
        case let error as NIOSSLExtraError:
            return "the server's certificate does not fit (\(error)); use the host name the certificate was made for"
        default:
            return String(describing: error)
        }
    }
}

/// Streams a snapshot's body to a ``SnapshotSink`` on the event loop (``HTTPTransport/downloadSnapshot``). A body that
/// is not the file (an error answer) is kept, up to 64 KiB, for its message. The state is touched by the event loop
/// only until the request's future completes, and read after.
final class SnapshotDownload: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = Void
    private let sink: any SnapshotSink
    /// Bytes still to pass over: a server that ignores `Range` sends the file from its start.
    private var skip: Int64
    private let offset: Int64
    private var status = 0
    private var errorBody = Data()

    init(sink: any SnapshotSink, offset: Int64) {
        self.sink = sink
        self.offset = offset
        self.skip = offset
    }

    var result: (status: Int, body: Data) { (status, errorBody) }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        status = Int(head.status.code)
        if status == 206 { skip = 0 }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        guard status == 200 || status == 206 else {
            if errorBody.count < 64 * 1024 { errorBody.append(contentsOf: buffer.readableBytesView.prefix(64 * 1024)) }
            return task.eventLoop.makeSucceededVoidFuture()
        }
        var chunk = buffer
        if skip > 0 {
            let passed = min(skip, Int64(chunk.readableBytes))
            chunk.moveReaderIndex(forwardBy: Int(passed))
            skip -= passed
            if chunk.readableBytes == 0 { return task.eventLoop.makeSucceededVoidFuture() }
        }
        do {
            try sink.write(chunk)
            return task.eventLoop.makeSucceededVoidFuture()
        } catch {
            return task.eventLoop.makeFailedFuture(error)
        }
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {}
}
