import CompressNIO
import ConcordCore
import ConcordServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@Suite("Server over a loopback socket")
struct LiveServerTests {
    func temporaryDatabase() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("concord-server-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("server.sqlite").path
    }

    func quietLogger() -> Logger {
        var logger = Logger(label: "concord-server-test")
        logger.logLevel = .warning
        return logger
    }

    @Test("a cursor walk during concurrent pushes sees every change exactly once, in seq order")
    func concurrentPushesNeverSkip() async throws {
        let path = try temporaryDatabase()
        let server = try await RunningServer.start(
            ConcordServerConfiguration(dbPath: path, port: 0, logger: quietLogger(), now: { serverNow }))
        #expect(server.port > 0)
        let names = ["analyst-a", "analyst-b", "analyst-c"]
        var tokens: [String] = []
        for name in names { tokens.append(try await server.admin.addAnalyst(try AnalystName(name), role: .analyst)) }
        let factory = ChangeFactory()
        let batches: [[[Change]]] = names.map { name in
            (0..<15).map { _ in (0..<10).flatMap { _ in factory.newEvent(author: name) } }
        }
        let expected = Set(batches.flatMap { $0.flatMap { $0.map(\.id) } })
        let port = server.port
        let readerToken = tokens[0]

        let seen = try await withThrowingTaskGroup(of: [Wire.SequencedChange].self) { group in
            for (index, token) in tokens.enumerated() {
                let mine = batches[index]
                group.addTask {
                    try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                        for batch in mine {
                            let response = try await client.post(
                                "/v1/changes", headers: auth(token), body: pushBody(batch))
                            #expect(response.status == .ok)
                        }
                    }
                    return []
                }
            }
            group.addTask {
                try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                    var after: Int64 = 0
                    var seen: [Wire.SequencedChange] = []
                    while seen.count < expected.count {
                        let response = try await client.get(
                            "/v1/changes?after=\(after)&limit=37", headers: auth(readerToken))
                        let page = try decode(Wire.PullPage.self, response.body)
                        seen += page.changes
                        after = page.next
                        if page.changes.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
                    }
                    return seen
                }
            }
            var all: [Wire.SequencedChange] = []
            for try await part in group { all += part }
            return all
        }
        #expect(seen.count == expected.count)
        #expect(Set(seen.map(\.change.id)) == expected)
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.seq < $1.seq })
        try await server.stop()

        // The database was closed cleanly and keeps everything.
        let reopened = try SQLiteServerStore(path: path)
        #expect(try await reopened.changeCount() == Int64(expected.count))
        try await reopened.close()
    }

    @Test("gzip works both ways over a real socket")
    func gzipLive() async throws {
        let team = try await Team.make()
        let factory = ChangeFactory()
        var plain = pushBody(factory.newEvent())
        let compressed = try plain.compress(with: .gzip())
        try await team.app().test(.live) { client in
            let response = try await client.execute(
                uri: "/v1/changes", method: .post,
                headers: auth(team.a, [.contentEncoding: "gzip", .acceptEncoding: "gzip"]), body: compressed)
            #expect(response.status == .ok)
            #expect(response.headers[.contentEncoding] == "gzip")
            var body = response.body
            #expect(try decode(Wire.PushResponse.self, try body.decompress(with: .gzip())).accepted == 2)
            let refused = try await client.execute(uri: "/v1/me", method: .get, headers: [.acceptEncoding: "gzip"])
            #expect(refused.status == .unauthorized)
            var errorBody = refused.body
            #expect(try decode(Wire.ErrorBody.self, try errorBody.decompress(with: .gzip())).error.contains("missing"))
        }
    }
}
