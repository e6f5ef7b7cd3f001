import ConcordStore
import ConcordSync
import ConcordCore
import Foundation
import Testing

/// The sync engine's retry, split and resume rules, against an in-memory server with injected faults.
@Suite("Sync engine")
struct SyncEngineTests {
    static func setUp(_ dir: TempDir, events: Int = 5) throws -> (LocalStore, MemorySyncServer) {
        let store = try makeStore(dir)
        let doc = try store.importArticles(seedFiles)[0].id
        for i in 0..<events {
            _ = try store.addEvent(EventDraft(values: ["doc": doc.rawValue, "title": "event \(i)"]))
        }
        return (store, MemorySyncServer(me: Wire.Me(name: try AnalystName("alice"), role: .analyst)))
    }

    func engine(_ store: LocalStore, _ server: MemorySyncServer, batch: Int = 4, page: Int = 3, attempts: Int = 4)
        -> SyncEngine
    {
        var options = SyncEngine.Options()
        options.pushBatch = batch
        options.pullPage = page
        options.attempts = attempts
        return SyncEngine(store: store, transport: server, options: options, sleep: { _ in })
    }

    @Test("everything pending is pushed in batches and nothing stays pending")
    func pushesEverything() async throws {
        let dir = TempDir()
        let (store, server) = try Self.setUp(dir)
        let pending = try store.pendingCount()
        let summary = try await engine(store, server).run()
        #expect(summary.pushed == pending)
        #expect(try store.pendingCount() == 0)
        #expect(await server.log.count == pending)
        #expect(await server.pushCalls == (pending + 3) / 4)
    }

    @Test("changes the server names as refused are set aside as rejected and the rest goes through")
    func refusedNamed() async throws {
        let dir = TempDir()
        let (store, server) = try Self.setUp(dir)
        let event = try store.events()[0].id
        _ = try store.set(event.rawValue, field: "summary", value: "POISON")
        let pending = try store.pendingCount()
        let summary = try await engine(store, server).run()
        #expect(summary.rejected == 1)
        #expect(try store.rejectedChanges().map(\.change.value) == ["POISON"])
        #expect(try store.rejectedChanges().first?.reason.contains("poisoned value") == true)
        #expect(await server.log.count == pending - 1)
        #expect(try store.pendingCount() == 0)
    }

    @Test("a refusal that names no change is narrowed down by halving the batch")
    func refusedUnnamed() async throws {
        let dir = TempDir()
        let (store, server) = try Self.setUp(dir, events: 8)
        await server.refuseWithoutNaming()
        let event = try store.events()[3].id
        _ = try store.set(event.rawValue, field: "summary", value: "POISON")
        let pending = try store.pendingCount()
        let summary = try await engine(store, server, batch: 8).run()
        #expect(summary.rejected == 1)
        #expect(await server.log.count == pending - 1)
        #expect(!(await server.log.contains { $0.value == "POISON" }))
    }

    @Test("a body too large for the server halves the batch until it fits")
    func tooLarge() async throws {
        let dir = TempDir()
        let (store, server) = try Self.setUp(dir)
        await server.limitBatch(to: 3)
        let pending = try store.pendingCount()
        _ = try await engine(store, server, batch: 16).run()
        #expect(await server.log.count == pending)
        #expect(try store.rejectedChanges().isEmpty)
    }

    @Test("transient failures are retried, and after too many the sync stops with local data untouched")
    func retries() async throws {
        let dir = TempDir()
        let (store, server) = try Self.setUp(dir)
        await server.failNext(3)
        _ = try await engine(store, server, attempts: 4).run()
        #expect(try store.pendingCount() == 0)

        let (store2, server2) = try Self.setUp(TempDir())
        let pending = try store2.pendingCount()
        await server2.failNext(100)
        await #expect(throws: SyncError.self) { try await engine(store2, server2, attempts: 3).run() }
        #expect(try store2.pendingCount() == pending)
    }

    @Test("a pull cut off mid-way resumes from the stored cursor with nothing lost or doubled")
    func resumesPull() async throws {
        let dir = TempDir()
        let (store, server) = try Self.setUp(dir, events: 1)
        // Another analyst's 40 changes wait on the server.
        let other = try makeStore(dir, name: "bob.sqlite", analyst: "bob", seed: 9)
        let doc = try other.importArticles(seedFiles)[0].id
        for i in 0..<10 { _ = try other.addEvent(EventDraft(values: ["doc": doc.rawValue, "title": "bob \(i)"])) }
        let theirs = try other.allChanges()
        await server.seed(theirs)
        await server.cutPulls(after: 2)
        await #expect(throws: SyncError.self) { try await engine(store, server, page: 5).run() }
        let cursor = try store.metadata().pullCursor
        #expect(cursor == 10, "two pages of 5 were applied with their cursor")
        await server.cutPulls(after: Int.max)
        _ = try await engine(store, server, page: 5).run()
        let serverLog = await server.log
        #expect(try store.metadata().pullCursor == Int64(serverLog.count))
        let mine = Set(try store.allChanges().map(\.id))
        #expect(mine == Set(serverLog.map(\.id)), "every server change exactly once, no more")
        #expect(try store.allChanges().count == serverLog.count)
        #expect(Replica(folding: serverLog).snapshots.filter { $0.id.kind == .event } == (try store.eventSnapshots()))
    }
}
