import ConcordStore
import ConcordCore
import Foundation
import Testing

/// `concord report` reads its inputs from the store's view and a light pass over the log; it must give the very
/// report the in-memory build gives over the same changes.
@Suite("Store report")
struct StoreReportTests {
    static let generatedAt = Date(timeIntervalSince1970: 1_752_300_000)

    @Test(
        "on random histories applied in random pages the store's report is byte-identical to the in-memory one",
        arguments: Array(UInt64(1)...16))
    func matchesInMemoryBuild(seed: UInt64) throws {
        let dir = TempDir()
        let changes = ReportHistory.changes(seed: seed, analysts: 3 + Int(seed % 3), steps: 200 + Int(seed % 5) * 60)
        let store = try makeStore(dir, seed: seed)
        var random = SeededRandom(seed: seed &* 31)
        try StoreMergeTests.deliver(changes, to: store, random: &random)
        let expected = ConflictReport.build(from: changes, generatedAt: Self.generatedAt)
        let report = try store.report(generatedAt: Self.generatedAt)
        #expect(report.json() == expected.json())
        #expect(report.header.counts.changes == Set(changes.map(\.id)).count)
    }

    @Test("an empty store's report is the empty report")
    func emptyStore() throws {
        let dir = TempDir()
        let store = try makeStore(dir)
        #expect(try store.report(generatedAt: nil) == ConflictReport.build(from: [Change]()))
    }

    @Test("own edits and changes the server refused count as the in-memory build counts them")
    func ownAndRejectedChanges() throws {
        let dir = TempDir()
        let changes = ReportHistory.changes(seed: 5)
        let store = try makeStore(dir, seed: 5)
        var random = SeededRandom(seed: 5)
        try StoreMergeTests.deliver(changes, to: store, random: &random)
        let event = try store.addEvent(
            EventDraft(values: ["doc": "document/3f9a1c0d5e7b2a46", "title": "Own event"]))
        _ = try store.set(event.rawValue, field: "confidence", value: "low")
        let own = try store.pendingChanges(limit: 10)
        try store.markRejected(try #require(own.first).id, reason: "refused for the test")
        #expect(try store.report(generatedAt: nil) == ConflictReport.build(from: try store.allChanges()))
    }
}

extension StoreReportTests {
    @Test("a delete/edit conflict on an entity with no other dispute is in the store's report")
    func deleteEditConflictAlone() throws {
        let dir = TempDir()
        var ids = UUIDv7Generator(now: { 1_752_224_400_000 }, random: SeededRandom(seed: 3))
        let event = EntityID.event(ids.next())
        let alice = try AnalystName("alice")
        let bob = try AnalystName("bob")
        let aliceReplica = try ReplicaID(ids.next().rawValue)
        let bobReplica = try ReplicaID(ids.next().rawValue)
        func change(
            _ author: AnalystName, _ replica: ReplicaID, _ field: String, _ value: FieldValue,
            supersedes: [ChangeID] = [], at millis: Int64
        ) -> Change {
            Change(
                id: ids.next(), entity: event, field: field, op: .set, value: value, supersedes: supersedes,
                hlc: HLC(millis: millis, counter: 0), author: author, replica: replica)
        }
        let doc = change(alice, aliceReplica, "doc", "document/3f9a1c0d5e7b2a46", at: 1_752_224_401_000)
        // A delete listing one id supersedes fewer than two: only the delete/edit conflict brings the entity in.
        let delete = change(alice, aliceReplica, "deleted", .bool(true), supersedes: [doc.id], at: 1_752_224_402_000)
        // Bob, who never saw the delete, sets a field nobody else wrote: no register has two live versions.
        let edit = change(bob, bobReplica, "confidence", "high", at: 1_752_224_402_001)
        let changes = [doc, delete, edit]
        let store = try makeStore(dir)
        var random = SeededRandom(seed: 3)
        try StoreMergeTests.deliver(changes, to: store, random: &random)
        let report = try store.report(generatedAt: nil)
        #expect(report.deleteEditConflicts.map(\.edits.count) == [1])
        #expect(report == ConflictReport.build(from: changes))
    }
}
