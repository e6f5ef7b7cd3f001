import ConcordCore
import ConcordStore
import Foundation
import GRDB
import Testing

/// The view's backlog (LocalStore+Backlog.swift): pages appended to the log unfolded and folded later, entity by
/// entity, must leave exactly the tables a page-by-page fold writes, however the fold is cut into slices, stopped
/// half-way, or interrupted by edits and further pulls.
@Suite("View backlog")
struct BacklogTests {
    /// One random history for both stores: the pages `StoreMergeTests.deliver` would send (shuffled, with
    /// duplicates), and after which page an own edit is made.
    struct Delivery {
        var pages: [[Wire.SequencedChange]] = []
        var editAfter: Set<Int> = []
        static let document = "document/3f9a1c0d5e7b2a46"

        init(seed: UInt64) {
            let changes = ReportHistory.changes(
                seed: seed, analysts: 3 + Int(seed % 3), steps: 150 + Int(seed % 4) * 50)
            var random = SeededRandom(seed: seed &* 7919)
            pages = StoreMergeTests.pages(changes, random: &random)
            // Own edits of the history's document, once all its changes have arrived.
            let arrived = pages.lastIndex { $0.contains { $0.change.entity.rawValue == Self.document } }!
            // Not after the last page, which is then left to the backlog.
            if arrived < pages.count - 1 {
                for _ in 0..<2 { editAfter.insert(arrived + Int(random.next() % UInt64(pages.count - 1 - arrived))) }
            }
        }

        /// Sends the pages to `store`, folding each at once or leaving it to the backlog; edits after the chosen
        /// pages (an edit folds any backlog first). `between` runs after each page, before its edit.
        func send(to store: LocalStore, fold: Bool, between: (Int) throws -> Void = { _ in }) throws {
            var event: EntityID?
            for (index, page) in pages.enumerated() {
                _ = try store.applyPulled(page, cursor: page.last!.seq, fold: fold)
                try between(index)
                if editAfter.contains(index) {
                    if let event {
                        _ = try store.set(event.rawValue, field: "confidence", value: "low")
                    } else {
                        event = try store.addEvent(
                            EventDraft(values: ["doc": Self.document, "title": "Own"]))
                    }
                }
            }
        }
    }

    /// Every row of every table but the store's metadata (and the migration list), as sorted text.
    static func dump(_ path: String) throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            let tables = try String.fetchAll(
                db,
                sql: """
                    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                        AND name NOT IN ('store', 'grdb_migrations') ORDER BY name
                    """)
            var out: [String] = []
            for table in tables {
                out += try Row.fetchAll(db, sql: "SELECT * FROM \(table)").map { "\(table) \($0)" }.sorted()
            }
            return out
        }
    }

    /// The store's tables and indexes with their SQL, in name order.
    static func schema(_ path: String) throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "SELECT type, name, sql FROM sqlite_master ORDER BY name").map { "\($0)" }
        }
    }

    static func folded(_ seed: UInt64, _ dir: TempDir) throws -> (LocalStore, [String]) {
        let store = try makeStore(dir, name: "folded.sqlite", seed: seed)
        try Delivery(seed: seed).send(to: store, fold: true)
        #expect(try !store.hasBacklog())
        return (store, try dump(store.path))
    }

    @Test(
        "pages left to the backlog and folded at the end, in slices of any size, write every table a page-by-page fold writes",
        arguments: Array(UInt64(1)...8))
    func backlogEqualsPages(seed: UInt64) throws {
        let dir = TempDir()
        let (folded, expected) = try Self.folded(seed, dir)
        #expect(expected.contains { $0.hasPrefix("coder_vote") }, "seed \(seed): no votes")
        #expect(expected.contains { $0.hasPrefix("report_superseding") }, "seed \(seed): no superseding change")
        for (index, rows) in [1, 7, 100, LocalStore.backlogSlice].enumerated() {
            let store = try makeStore(dir, name: "backlog-\(index).sqlite", seed: seed)
            var backlogs = 0
            try Delivery(seed: seed).send(to: store, fold: false) { _ in
                if try store.hasBacklog() { backlogs += 1 }
            }
            #expect(backlogs > 0, "seed \(seed): no page was left to the backlog")
            try store.foldBacklog(rowsPerSlice: rows)
            #expect(try !store.hasBacklog())
            #expect(try Self.dump(store.path) == expected, "seed \(seed), \(rows) rows a slice")
            // The entity index a long pull dropped is back, as the migration made it.
            #expect(try Self.schema(store.path) == Self.schema(folded.path), "seed \(seed)")
            #expect(try store.conflictViews() == folded.conflictViews())
        }
    }

    @Test(
        "a fold stopped half-way, then more pages left to the backlog, then reopening the store: the same tables",
        arguments: Array(UInt64(1)...6))
    func stoppedFold(seed: UInt64) throws {
        let dir = TempDir()
        let (_, expected) = try Self.folded(seed, dir)
        let store = try makeStore(dir, name: "backlog.sqlite", seed: seed)
        // After some pages, fold two slices of a few entities only, as a killed fold leaves it.
        try Delivery(seed: seed).send(to: store, fold: false) { index in
            if index % 5 == 4 { try store.foldBacklog(rowsPerSlice: 3, slices: 2) }
        }
        try store.foldBacklog(rowsPerSlice: 5, slices: 1)
        let path = store.path
        try store.close()
        let reopened = try LocalStore.open(at: path)
        #expect(try !reopened.hasBacklog(), "opening a store folds its backlog")
        #expect(try Self.dump(path) == expected, "seed \(seed)")
    }

    @Test(
        "rebuild folds the whole log as a backlog and writes what the pages wrote; a rebuild stopped half-way is finished on open"
    )
    func rebuildAsBacklog() throws {
        let dir = TempDir()
        let (store, expected) = try Self.folded(5, dir)
        try store.rebuild()
        #expect(try Self.dump(store.path) == expected)
        // Stopped after its first slice: the view lacks most entities until the store is opened again.
        try store.rebuild(rowsPerSlice: 10, slices: 1)
        #expect(try store.hasBacklog())
        #expect(try Self.dump(store.path) != expected)
        let path = store.path
        try store.close()
        _ = try LocalStore.open(at: path)
        #expect(try Self.dump(path) == expected)
    }
}
