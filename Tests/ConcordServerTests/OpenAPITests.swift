import ConcordCore
@testable import ConcordServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// A documented (method, path, status) of `openapi.yaml`.
struct Documented: Hashable, CustomStringConvertible {
    var method: String
    var path: String
    var status: Int
    var description: String { "\(method.uppercased()) \(path) \(status)" }
}

/// Reads the routes and statuses out of the document's `paths` section.
func documentedResponses(_ yaml: String) -> Set<Documented> {
    var result = Set<Documented>()
    var inPaths = false
    var path = ""
    var method = ""
    for line in yaml.split(separator: "\n", omittingEmptySubsequences: true) {
        let indent = line.prefix { $0 == " " }.count
        let text = line.trimmingCharacters(in: .whitespaces)
        if indent == 0 {
            inPaths = text == "paths:"
            continue
        }
        guard inPaths else { continue }
        if indent == 2 && text.hasSuffix(":") {
            path = String(text.dropLast())
        } else if indent == 4 && text.hasSuffix(":") {
            method = String(text.dropLast())
        } else if indent == 8, text.hasPrefix("\""), let status = Int(text.dropFirst().prefix(3)) {
            result.insert(Documented(method: method, path: path, status: status))
        }
    }
    return result
}

@Suite("OpenAPI document")
struct OpenAPITests {
    typealias Scenario = @Sendable (any TestClientProtocol, Team) async throws -> TestResponse

    /// One request per documented status, proving the server answers it.
    static let scenarios: [Documented: Scenario] = {
        let factory = ChangeFactory()
        func doc(_ method: String, _ path: String, _ status: Int) -> Documented {
            Documented(method: method, path: path, status: status)
        }
        let event = factory.newEvent()
        let eventPath = "/v1/events/\(event[0].entity.id)"
        return [
            doc("post", "/v1/changes", 200): { client, team in try await client.push(factory.newEvent(), token: team.a)
            },
            doc("post", "/v1/changes", 400): { client, team in
                try await client.execute(
                    uri: "/v1/changes", method: .post, headers: auth(team.a), body: ByteBuffer(string: "[]"))
            },
            doc("post", "/v1/changes", 401): { client, _ in try await client.push(factory.newEvent(), token: "nope") },
            doc("post", "/v1/changes", 403): { client, team in
                try await client.push(factory.newEvent(author: "analyst-b"), token: team.a)
            },
            doc("post", "/v1/changes", 413): { client, team in
                var big = ByteBuffer()
                big.writeRepeatingByte(UInt8(ascii: " "), count: Limits.bodyBytes + 1)
                return try await client.execute(uri: "/v1/changes", method: .post, headers: auth(team.a), body: big)
            },
            doc("post", "/v1/changes", 415): { client, team in
                try await client.execute(
                    uri: "/v1/changes", method: .post, headers: auth(team.a, [.contentEncoding: "zstd"]),
                    body: pushBody(factory.newEvent()))
            },
            doc("post", "/v1/changes", 422): { client, team in
                try await client.push([factory.make(factory.event(), "colour", .string("red"))], token: team.a)
            },
            // The database refusing the write, for real: SQLite's own page quota (SQLITE_FULL) and a read-only
            // writer connection (SQLITE_READONLY), on a SQLite store of their own.
            doc("post", "/v1/changes", 507): { _, _ in
                // Clamped to the database's current size, so the push cannot grow it.
                try await storageFailure("PRAGMA max_page_count = 1")
            },
            doc("post", "/v1/changes", 503): { _, _ in try await storageFailure("PRAGMA query_only = ON") },
            doc("get", "/v1/changes", 200): { client, team in
                try await client.execute(uri: "/v1/changes?after=0&limit=5", method: .get, headers: auth(team.a))
            },
            doc("get", "/v1/changes", 400): { client, team in
                try await client.execute(uri: "/v1/changes?limit=0", method: .get, headers: auth(team.a))
            },
            doc("get", "/v1/changes", 401): { client, _ in try await client.execute(uri: "/v1/changes", method: .get) },
            // Blind coding (protocol.md §15): asking again for a document that is still blind for the analyst.
            doc("get", "/v1/changes", 409): { client, team in
                let document = try EntityID("document/0123456789abcdef")
                let assign = factory.make(document, "assigned", .string("analyst-a"), op: .add, author: "adjudicator")
                _ = try await client.push([assign], token: team.adjudicator)
                return try await client.execute(
                    uri: "/v1/changes?doc=\(document.rawValue)&after=0", method: .get, headers: auth(team.a))
            },
            doc("get", "/v1/me", 200): { client, team in
                try await client.execute(uri: "/v1/me", method: .get, headers: auth(team.b))
            },
            doc("get", "/v1/me", 401): { client, team in
                try await client.execute(uri: "/v1/me", method: .get, headers: auth(team.revoked))
            },
            doc("get", "/v1/analysts", 200): { client, team in
                try await client.execute(uri: "/v1/analysts", method: .get, headers: auth(team.a))
            },
            doc("get", "/v1/analysts", 401): { client, _ in
                try await client.execute(uri: "/v1/analysts", method: .get)
            },
            doc("get", "/v1/conflicts", 200): { client, team in
                try await client.execute(uri: "/v1/conflicts", method: .get, headers: auth(team.a))
            },
            doc("get", "/v1/conflicts", 401): { client, _ in
                try await client.execute(uri: "/v1/conflicts", method: .get)
            },
            doc("get", "/v1/report", 200): { client, team in
                try await client.execute(uri: "/v1/report?format=md", method: .get, headers: auth(team.a))
            },
            doc("get", "/v1/report", 400): { client, team in
                try await client.execute(uri: "/v1/report?format=pdf", method: .get, headers: auth(team.a))
            },
            doc("get", "/v1/report", 401): { client, _ in
                try await client.execute(uri: "/v1/report", method: .get)
            },
            doc("get", "/v1/events/{id}", 200): { client, team in
                _ = try await client.push(event, token: team.a)
                return try await client.execute(uri: eventPath, method: .get, headers: auth(team.a))
            },
            doc("get", "/v1/events/{id}", 400): { client, team in
                try await client.execute(uri: "/v1/events/12", method: .get, headers: auth(team.a))
            },
            doc("get", "/v1/events/{id}", 401): { client, _ in try await client.execute(uri: eventPath, method: .get) },
            doc("get", "/v1/events/{id}", 404): { client, team in
                try await client.execute(uri: "/v1/events/\(factory.event().id)", method: .get, headers: auth(team.a))
            },
            doc("post", "/v1/changes", 429): { _, _ in
                try await rateLimited { client, token in try await client.push(factory.newEvent(), token: token) }
            },
            doc("get", "/v1/changes", 429): { _, _ in try await rateLimited(.get, "/v1/changes") },
            doc("get", "/v1/me", 429): { _, _ in try await rateLimited(.get, "/v1/me") },
            doc("get", "/v1/analysts", 429): { _, _ in try await rateLimited(.get, "/v1/analysts") },
            doc("get", "/v1/conflicts", 429): { _, _ in try await rateLimited(.get, "/v1/conflicts") },
            doc("get", "/v1/report", 429): { _, _ in try await rateLimited(.get, "/v1/report") },
            doc("get", "/v1/events/{id}", 429): { _, _ in try await rateLimited(.get, eventPath) },
            doc("get", "/v1/snapshot", 200): { _, _ in
                try await withSnapshot { client, team, _ in
                    try await client.execute(uri: "/v1/snapshot", method: .get, headers: auth(team.a))
                }
            },
            doc("get", "/v1/snapshot", 401): { client, _ in try await client.execute(uri: "/v1/snapshot", method: .get)
            },
            doc("get", "/v1/snapshot", 404): { client, team in
                try await client.execute(uri: "/v1/snapshot", method: .get, headers: auth(team.a))
            },
            doc("get", "/v1/snapshot", 429): { _, _ in try await rateLimited(.get, "/v1/snapshot") },
            doc("get", "/v1/snapshot/{seq}", 200): { _, _ in
                try await withSnapshot { client, team, manifest in
                    let response = try await client.execute(
                        uri: "/v1/snapshot/\(manifest.seq)", method: .get, headers: auth(team.a))
                    #expect(Int64(response.body.readableBytes) == manifest.bytes)
                    // Ranges that are not `bytes=N-` with plain digits are ignored: the whole file, its true length
                    // (a negative start once overflowed and killed the server; `-1` answered a length one too long).
                    for hostile in [
                        "bytes=-9223372036854775808-", "bytes=-1-", "bytes=+5-", "bytes=-500", "bytes=1-2,4-",
                    ] {
                        let whole = try await client.execute(
                            uri: "/v1/snapshot/\(manifest.seq)", method: .get, headers: auth(team.a, [.range: hostile]))
                        #expect(whole.status == .ok, "\(hostile)")
                        #expect(Int64(whole.body.readableBytes) == manifest.bytes, "\(hostile)")
                        #expect(whole.headers[.contentLength] == String(manifest.bytes), "\(hostile)")
                    }
                    return response
                }
            },
            doc("get", "/v1/snapshot/{seq}", 206): { _, _ in
                try await withSnapshot { client, team, manifest in
                    let response = try await client.execute(
                        uri: "/v1/snapshot/\(manifest.seq)", method: .get, headers: auth(team.a, [.range: "bytes=100-"])
                    )
                    #expect(Int64(response.body.readableBytes) == manifest.bytes - 100)
                    #expect(response.headers[.contentRange] == "bytes 100-\(manifest.bytes - 1)/\(manifest.bytes)")
                    return response
                }
            },
            doc("get", "/v1/snapshot/{seq}", 400): { client, team in
                try await client.execute(uri: "/v1/snapshot/latest", method: .get, headers: auth(team.a))
            },
            doc("get", "/v1/snapshot/{seq}", 401): { client, _ in
                try await client.execute(uri: "/v1/snapshot/1", method: .get)
            },
            doc("get", "/v1/snapshot/{seq}", 404): { _, _ in
                try await withSnapshot { client, team, manifest in
                    // Past Int64 is a number all the same: no such snapshot, not a malformed request.
                    let huge = try await client.execute(
                        uri: "/v1/snapshot/1595572915809914191872", method: .get, headers: auth(team.a))
                    #expect(huge.status == .notFound)
                    return try await client.execute(
                        uri: "/v1/snapshot/\(manifest.seq + 1)", method: .get, headers: auth(team.a))
                }
            },
            doc("get", "/v1/snapshot/{seq}", 416): { _, _ in
                try await withSnapshot { client, team, manifest in
                    let huge = try await client.execute(
                        uri: "/v1/snapshot/\(manifest.seq)", method: .get,
                        headers: auth(team.a, [.range: "bytes=99999999999999999999999-"]))
                    #expect(huge.status == .rangeNotSatisfiable)
                    return try await client.execute(
                        uri: "/v1/snapshot/\(manifest.seq)", method: .get,
                        headers: auth(team.a, [.range: "bytes=\(manifest.bytes)-"]))
                }
            },
            doc("get", "/v1/snapshot/{seq}", 429): { _, _ in try await rateLimited(.get, "/v1/snapshot/1") },
            doc("get", "/v1/health", 200): { client, _ in try await client.execute(uri: "/v1/health", method: .get) },
            doc("get", "/v1/health", 503): { _, _ in try await closedDatabase("/v1/health") },
            doc("get", "/metrics", 200): { client, _ in try await client.execute(uri: "/metrics", method: .get) },
            doc("get", "/openapi.yaml", 200): { client, _ in
                try await client.execute(uri: "/openapi.yaml", method: .get)
            },
        ]
    }()

    @Test("documents every route the server has")
    func coversRoutes() {
        let documented = Set(documentedResponses(OpenAPIDocument.yaml).map { "\($0.method) \($0.path)" })
        let routes = Set(APIRoute.all.map { "\($0.method.rawValue.lowercased()) \($0.path)" })
        #expect(documented == routes)
    }

    @Test("every documented status is one the server answers, with a JSON error body for errors")
    func everyStatusIsExercised() async throws {
        let documented = documentedResponses(OpenAPIDocument.yaml)
        #expect(documented.count > 15)
        #expect(Set(Self.scenarios.keys) == documented, "documented statuses without a scenario or vice versa")
        let team = try await Team.make()
        try await team.app().test(.router) { client in
            for key in Self.scenarios.keys.sorted(by: { $0.description < $1.description }) {
                let response = try await Self.scenarios[key]!(client, team)
                #expect(Int(response.status.code) == key.status, "\(key): \(String(buffer: response.body))")
                if key.status >= 400 {
                    let body = try decode(Wire.ErrorBody.self, response.body)
                    #expect(!body.error.isEmpty, "\(key)")
                }
            }
        }
    }
}

/// The second of two requests of one token to a server that allows one request a minute.
private func rateLimited(_ request: @escaping @Sendable (any TestClientProtocol, String) async throws -> TestResponse)
    async throws -> TestResponse
{
    let team = try await Team.make()
    return try await team.app(rateLimit: RateLimit(perSecond: 1.0 / 60, burst: 1)).test(.router) { client in
        _ = try await request(client, team.a)
        let response = try await request(client, team.a)
        // 60 s for a whole request at 1 a minute, less the time between the two requests (seconds on a loaded
        // machine).
        let wait = response.headers[.retryAfter].flatMap { Int($0) }
        #expect(wait.map { (50...60).contains($0) } == true, "Retry-After: \(wait.map(String.init) ?? "none")")
        return response
    }
}

private func rateLimited(_ method: HTTPRequest.Method, _ uri: String) async throws -> TestResponse {
    try await rateLimited { client, token in try await client.execute(uri: uri, method: method, headers: auth(token)) }
}

/// `request` asked of a server that has made a snapshot of one pushed event (protocol.md §14), given its manifest.
private func withSnapshot(
    _ request: @escaping @Sendable (any TestClientProtocol, Team, Wire.SnapshotManifest) async throws -> TestResponse
) async throws -> TestResponse {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("concord-snapshot-\(UUID())")
    defer { try? FileManager.default.removeItem(at: dir) }
    let team = try await Team.make()
    let settings = SnapshotSettings(directory: dir.path, every: 1, interval: nil)
    let shelf = SnapshotShelf(directory: dir.path)
    let maker = SnapshotMaker(store: team.store, shelf: shelf, settings: settings, logger: Logger(label: "test"))
    let router = Router(context: BasicRequestContext.self)
    router.middlewares.add(EdgeMiddleware(metrics: ServerMetrics()))
    SyncAPI(store: team.store, now: { serverNow }, snapshots: shelf).register(on: router)
    return try await Application(router: router).test(.router) { client in
        _ = try await client.push(ChangeFactory().newEvent(), token: team.a)
        let manifest = try #require(try await maker.makeIfDue())
        return try await request(client, team, manifest)
    }
}

/// `uri` asked of a server whose SQLite store was closed under it, so that every read fails.
private func closedDatabase(_ uri: String) async throws -> TestResponse {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("concord-openapi-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let store = try SQLiteServerStore(path: dir.appendingPathComponent("server.sqlite").path)
    let team = try await Team.make(store: store)
    return try await team.app().test(.router) { client in
        try await store.close()
        return try await client.execute(uri: uri, method: .get)
    }
}

/// Pushes 200 new events (more than the free space of the database's pages) to a server on a fresh SQLite store
/// whose writer connection ran `pragma` first, so that SQLite refuses the push's writes.
private func storageFailure(_ pragma: String) async throws -> TestResponse {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("concord-openapi-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let store = try SQLiteServerStore(path: dir.appendingPathComponent("server.sqlite").path)
    let team = try await Team.make(store: store)
    try await store.pool.writeWithoutTransaction { db in try db.execute(sql: pragma) }
    return try await team.app().test(.router) { client in
        let factory = ChangeFactory()
        return try await client.push((0..<200).flatMap { _ in factory.newEvent() }, token: team.a)
    }
}
