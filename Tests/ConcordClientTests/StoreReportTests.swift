import ConcordClient
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
