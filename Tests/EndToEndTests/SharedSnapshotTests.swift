import ConcordCore
import ConcordServer
import ConcordStore
import ConcordSync
import ConcordTestSupport
import Foundation
import Logging
import Testing

/// Several servers on one PostgreSQL database (protocol.md §14.3): each snapshot is made once, by the lease holder,
/// and every server serves it; a server started later copies it from the database; when the holder is gone another
/// takes the lease over and goes on from the newest snapshot.
@Suite("Shared snapshots")
struct SharedSnapshotTests {
    @Test("servers on one database make each snapshot once and serve the same file; a later one copies it")
    func oneSnapshotPerDatabase() async throws {
        let url = try await PostgresCluster.shared().createDatabase()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("concord-shared-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func folder(_ name: String) -> String { directory.appendingPathComponent(name).path }
        func start(_ name: String) async throws -> RunningServer {
            var logger = Logger(label: "concord-shared")
            logger.logLevel = .critical
            var configuration = ConcordServerConfiguration(dbPath: url, port: 0, logger: logger)
            configuration.snapshots = SnapshotSettings(
                directory: folder(name), every: 10, interval: nil, leaseSeconds: 2)
            return try await RunningServer.start(configuration)
        }
        let first = try await start("first")
        let second = try await start("second")
        let token = try await first.admin.addAnalyst(try AnalystName("ana"), role: .analyst)
        let ana = try LocalStore.create(
            at: folder("ana.sqlite"), analyst: try AnalystName("ana"), server: first.url.absoluteString, token: token)
        let doc = try ana.importArticles(Cluster.seeds)[0].id.rawValue
        for index in 0..<8 { _ = try ana.addEvent(EventDraft(values: ["doc": doc, "title": "event \(index)"])) }
        func push(to server: RunningServer) async throws {
            _ = try await SyncEngine(
                store: ana, transport: HTTPTransport(server: server.url.absoluteString, token: token), sleep: { _ in }
            ).run()
        }
        try await push(to: first)

        // The first server takes the lease and makes the snapshot; the second copies it without folding the log.
        let made = try #require(try await first.makeSnapshot())
        #expect(try made.seq == ana.metadata().pullCursor)
        #expect(try await second.makeSnapshot() == made)
        let exists = { (path: String) in FileManager.default.fileExists(atPath: path) }
        #expect(exists(folder("first") + "/work.sqlite"))
        #expect(!exists(folder("second") + "/work.sqlite"), "the second server folded the log itself")
        let bytes = { (name: String) in
            try Data(contentsOf: URL(fileURLWithPath: folder(name) + "/snapshot-\(made.seq).pack"))
        }
        #expect(try bytes("first") == bytes("second"))

        // A newcomer bootstraps from the second server.
        let benToken = try await second.admin.addAnalyst(try AnalystName("ben"), role: .analyst)
        let benPath = folder("ben.sqlite")
        try LocalStore.create(at: benPath, analyst: try AnalystName("ben"), server: nil, token: nil).close()
        let outcome = try await StoreBootstrap(
            path: benPath, transport: HTTPTransport(server: second.url.absoluteString, token: benToken)
        ).run()
        #expect(outcome == .installed(made, carried: 0))

        // The holder goes away; once its lease has run out the second server takes it over and makes the next
        // snapshot, going on from the newest one.
        try await first.stop()
        for index in 0..<12 { _ = try ana.addEvent(EventDraft(values: ["doc": doc, "title": "later \(index)"])) }
        try await push(to: second)
        var next: Wire.SnapshotManifest?
        for _ in 0..<100 where next == nil || next == made {
            try await Task.sleep(for: .milliseconds(250))
            next = try await second.makeSnapshot()
        }
        let newest = try #require(next)
        #expect(try newest.seq == ana.metadata().pullCursor)
        #expect(exists(folder("second") + "/work.sqlite"))

        // A server started later serves the newest snapshot at once, copied from the database.
        let third = try await start("third")
        #expect(try await third.makeSnapshot() == newest)
        let calPath = folder("cal.sqlite")
        let calToken = try await third.admin.addAnalyst(try AnalystName("cal"), role: .analyst)
        try LocalStore.create(at: calPath, analyst: try AnalystName("cal"), server: nil, token: nil).close()
        #expect(
            try await StoreBootstrap(
                path: calPath, transport: HTTPTransport(server: third.url.absoluteString, token: calToken)
            ).run() == .installed(newest, carried: 0))
        let cal = try LocalStore.open(at: calPath)
        #expect(try cal.eventSnapshots() == ana.eventSnapshots())
        #expect(Set(try cal.allChanges()) == Set(try ana.allChanges()))
        try cal.close()
        try ana.close()
        try await second.stop()
        try await third.stop()
    }
}
