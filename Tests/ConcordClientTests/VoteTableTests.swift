import ConcordStore
import ConcordCore
import Foundation
import GRDB
import Testing

/// `coder_vote` (each coder's current vote, kept by every applied batch) must always hold what reducing the whole
/// log gives (``CodingAccumulator``, the server's way), however the changes arrived, after `rebuild`, after a
/// refused change, and after migrating a store from before the table.
@Suite("Vote table")
struct VoteTableTests {
    /// A random history with votes, adjudications and links, as `CodingPropertyTests` makes them.
    static func history(seed: UInt64) -> [Change] {
        var sim = HistorySimulator(seed: seed &* 7_919, analysts: 3 + Int(seed % 3))
        sim.work(steps: 80 + Int(seed % 7) * 20)
        return sim.allChanges
    }

    /// The votes reducing the whole log gives, in the table's order.
    static func reference(_ changes: [Change]) -> [CoderVote] {
        var accumulator = CodingAccumulator()
        for change in changes { accumulator.add(change) }
        return Self.sorted(accumulator.input(snapshots: Replica(folding: changes).snapshots).votes)
    }

    static func sorted(_ votes: [CoderVote]) -> [CoderVote] {
        votes.sorted { ($0.event, $0.field, $0.coder) < ($1.event, $1.field, $1.coder) }
    }

    static func rows(_ path: String) throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM coder_vote ORDER BY entity, field, coder").map { "\($0)" }
        }
    }

    @Test(
        "random histories in random pages: the table holds the votes of the whole log", arguments: Array(UInt64(1)...10)
    )
    func equalsLog(seed: UInt64) throws {
        let dir = TempDir()
        let store = try makeStore(dir, seed: seed)
        let changes = Self.history(seed: seed)
        var random = SeededRandom(seed: seed &* 31)
        try StoreMergeTests.deliver(changes, to: store, random: &random)
        let expected = Self.reference(changes)
        #expect(expected.count >= 10, "seed \(seed): the history votes")
        #expect(expected.contains { if case .set = $0.value { true } else { false } }, "seed \(seed): set votes")
        #expect(Self.sorted(try store.agreementInput().votes) == expected, "seed \(seed)")

        let rows = try Self.rows(store.path)
        try store.rebuild()
        #expect(try Self.rows(store.path) == rows, "seed \(seed): rebuild writes what the batches wrote")
    }

    @Test("an own vote counts at once, and stops counting when the server refuses it")
    func ownAndRefused() throws {
        let dir = TempDir()
        let store = try makeStore(dir)
        let doc = try store.importArticles(seedFiles)[0].id
        let event = try store.addEvent(
            EventDraft(values: ["doc": doc.rawValue, "title": "Drill", "type": "COOPERATE"]))
        var votes = try store.agreementInput().votes.filter { $0.field == "type" }
        #expect(votes.map(\.value) == [.label("COOPERATE")])
        let outcome = try store.set(event.rawValue, field: "type", value: "MOBILIZE")
        votes = try store.agreementInput().votes.filter { $0.field == "type" }
        #expect(votes.map(\.value) == [.label("MOBILIZE")])
        try store.markRejected(try #require(outcome.changes.first).id, reason: "refused")
        votes = try store.agreementInput().votes.filter { $0.field == "type" }
        #expect(votes.map(\.value) == [.label("COOPERATE")], "a refused change is not a vote")
        // A rebuild folds the event as new, its votes from the changes in hand: the refused one still is no vote.
        try store.rebuild()
        votes = try store.agreementInput().votes.filter { $0.field == "type" }
        #expect(votes.map(\.value) == [.label("COOPERATE")], "a refused change is no vote after a rebuild")
    }

    @Test("opening a store from before the vote table fills it as if it had been kept all along")
    func migration() throws {
        let dir = TempDir()
        let changes = Self.history(seed: 5)
        let path: String
        do {
            let store = try makeStore(dir, seed: 5)
            var random = SeededRandom(seed: 5)
            try StoreMergeTests.deliver(changes, to: store, random: &random)
            path = store.path
        }
        let expected = try Self.rows(path)
        #expect(expected.count > 20)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(
                sql: "DROP TABLE coder_vote; DELETE FROM grdb_migrations WHERE identifier = 'v6-coder-vote'")
        }
        try queue.close()
        let reopened = try LocalStore.open(at: path)
        #expect(try Self.rows(path) == expected)
        #expect(Self.sorted(try reopened.agreementInput().votes) == Self.reference(changes))
    }

    @Test("a set vote's stored text reads back as the same set, whatever its elements hold")
    func storedText() {
        let values: [CodedValue] = [
            .set([]), .set(["Japan"]), .set(["A \"quoted\" actor", "back\\slash", "line\nbreak", "ünï", "\u{1}"]),
            .label("[not a set]"),
        ]
        for value in values {
            let isSet = if case .set = value { true } else { false }
            #expect(CodedValue(storedText: value.storedText, isSet: isSet) == value)
        }
        #expect(CodedValue(storedText: "not json", isSet: true) == nil)
    }
}
