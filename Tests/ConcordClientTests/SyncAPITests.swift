import ConcordStore
import ConcordCore
import Foundation
import Testing

@Suite("Sync-facing store API")
struct SyncAPITests {
    func storeWithDocument(_ dir: TempDir) throws -> (LocalStore, EntityID) {
        let store = try makeStore(dir)
        let docs = try store.importArticles([seedFiles[0]])
        return (store, docs[0].id)
    }

    @Test("own edits are pending in local order until marked pushed")
    func pendingThenPushed() throws {
        let dir = TempDir()
        let (store, doc) = try storeWithDocument(dir)
        let event = try store.addEvent(EventDraft(values: ["doc": doc.rawValue, "title": "Video talks"]))
        let pending = try store.pendingChanges(limit: 100)
        #expect(try pending.count == store.pendingCount())
        #expect(pending.map(\.id) == pending.map(\.id).sorted())
        #expect(pending.last?.entity == event)
        try store.markPushed(Array(pending.prefix(2).map(\.id)))
        #expect(try store.pendingCount() == pending.count - 2)
        #expect(try store.pendingChanges(limit: 1).first?.id == pending[2].id)
    }

    @Test("a rejected change leaves the pending queue, stays in the log and is listed with its reason")
    func rejected() throws {
        let dir = TempDir()
        let (store, doc) = try storeWithDocument(dir)
        _ = try store.addEvent(EventDraft(values: ["doc": doc.rawValue, "title": "Video talks"]))
        let first = try #require(try store.pendingChanges(limit: 1).first)
        try store.markRejected(first.id, reason: "clock ahead")
        let rejected = try store.rejectedChanges()
        #expect(rejected.count == 1)
        #expect(rejected.first?.change == first)
        #expect(rejected.first?.reason == "clock ahead")
        #expect(try store.pendingChanges(limit: 100).contains { $0.id == first.id } == false)
        #expect(try store.allChanges().contains(first))
        #expect(try store.metadata().rejectedCount == 1)
    }

    @Test("pulling our own pending change back marks it pushed; the cursor and clock advance")
    func pullOwnChange() throws {
        let dir = TempDir()
        let (store, doc) = try storeWithDocument(dir)
        let mine = try store.addEvent(EventDraft(values: ["doc": doc.rawValue, "title": "Video talks"]))
        let pending = try store.pendingChanges(limit: 100)
        var sim = HistorySimulator(seed: 3, analysts: 2)
        let others = sim.edit(by: 0) + sim.edit(by: 0)
        var far = others[0]
        far.hlc = HLC(millis: 9_000_000_000_000, counter: 5)
        let page = (pending + [far] + others.dropFirst()).enumerated().map {
            Wire.SequencedChange(seq: Int64($0.offset + 1), change: $0.element)
        }
        let result = try store.applyPulled(page, cursor: 42)
        #expect(result.duplicates == pending.count)
        #expect(result.applied == others.count)
        #expect(try store.pendingCount() == 0)
        let meta = try store.metadata()
        #expect(meta.pullCursor == 42)
        #expect(meta.clock >= far.hlc)
        let again = try store.applyPulled(page, cursor: 43)
        #expect(again.applied == 0)
        // The next edit's clock is past every received reading.
        let outcome = try store.note(mine.rawValue, text: "after the pull")
        #expect(outcome.changes[0].hlc > far.hlc)
    }

    @Test("role, server, token and last sync are persisted")
    func metadataSetters() throws {
        let dir = TempDir()
        let store = try makeStore(dir)
        try store.setRole(.adjudicator)
        try store.setServer(url: "http://127.0.0.1:8080", token: "secret")
        try store.recordSync(at: Date(timeIntervalSince1970: 1_752_224_400))
        let meta = try LocalStore.open(at: store.path).metadata()
        #expect(meta.role == .adjudicator)
        #expect(meta.server == "http://127.0.0.1:8080")
        #expect(meta.token == "secret")
        #expect(meta.lastSync == Date(timeIntervalSince1970: 1_752_224_400))
    }

    @Test("the clock never goes backwards across processes, even if the wall clock does")
    func clockPersists() throws {
        let dir = TempDir()
        let (store, doc) = try storeWithDocument(dir)
        let event = try store.addEvent(EventDraft(values: ["doc": doc.rawValue, "title": "t"]))
        let last = try store.metadata().clock
        let past = try LocalStore.open(
            at: store.path, now: { 1_000 }, ids: UUIDv7Generator(now: { 1_000 }, random: SeededRandom(seed: 1)))
        let outcome = try past.set(event.rawValue, field: "type", value: "CONSULT")
        #expect(outcome.changes[0].hlc > last)
    }
}
