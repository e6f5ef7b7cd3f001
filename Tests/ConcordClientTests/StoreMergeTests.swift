import ConcordStore
import ConcordCore
import Foundation
import GRDB
import Testing

/// The store's incrementally maintained view must equal ConcordCore's reference fold, whatever the order, batching
/// and duplication of the changes it receives.
@Suite("Store merge")
struct StoreMergeTests {
    /// Delivers `changes` to `store` as pulled pages of random sizes, with duplicates.
    static func deliver(_ changes: [Change], to store: LocalStore, random: inout SeededRandom) throws {
        for page in pages(changes, random: &random) { _ = try store.applyPulled(page, cursor: page.last!.seq) }
    }

    /// `changes` shuffled, with some duplicates arriving again later, cut into pages as a server would send them.
    static func pages(_ changes: [Change], random: inout SeededRandom) -> [[Wire.SequencedChange]] {
        var queue = changes
        queue.shuffle(using: &random)
        for _ in 0..<(changes.count / 5) { queue.append(changes[Int(random.next() % UInt64(changes.count))]) }
        var pages: [[Wire.SequencedChange]] = []
        var seq: Int64 = 0
        var index = 0
        while index < queue.count {
            // Mostly small pages; now and then a large one, where one page touches a field many times.
            let size = 1 + Int(random.next() % (random.next() % 4 == 0 ? 400 : 40))
            pages.append(
                queue[index..<min(queue.count, index + size)].map { change -> Wire.SequencedChange in
                    seq += 1
                    return Wire.SequencedChange(seq: seq, change: change)
                })
            index += size
        }
        return pages
    }

    static func entities(_ changes: [Change]) -> [EntityID] { Set(changes.map(\.entity)).sorted() }

    @Test("random histories applied in random orders and batches, with duplicates, equal the reference fold")
    func propertyAgainstReference() throws {
        let dir = TempDir()
        var total = 0
        for seed in UInt64(1)...24 {
            var sim = HistorySimulator(seed: seed, analysts: 3 + Int(seed % 3))
            for _ in 0..<(40 + Int(seed % 50)) {
                let who = Int(sim.nextRandom() % UInt64(sim.analysts.count))
                let written = sim.edit(by: who)
                if sim.nextRandom() % 3 == 0 {
                    let other = Int(sim.nextRandom() % UInt64(sim.analysts.count))
                    sim.deliver(sim.analysts[who].written, to: other)
                }
                _ = written
            }
            let changes = sim.allChanges
            total += changes.count
            let reference = Replica(folding: changes)
            var random = SeededRandom(seed: seed &* 977)
            let a = try makeStore(dir, name: "a-\(seed).sqlite", seed: seed)
            let b = try makeStore(dir, name: "b-\(seed).sqlite", seed: seed + 1000)
            try Self.deliver(changes, to: a, random: &random)
            try Self.deliver(changes, to: b, random: &random)
            for entity in Self.entities(changes) {
                let expected = try #require(reference.snapshot(of: entity))
                let gotA = try #require(try a.snapshot(of: entity))
                let gotB = try #require(try b.snapshot(of: entity))
                #expect(gotA == expected, "seed \(seed): \(entity)")
                #expect(JSONShapes.show(gotA) == JSONShapes.show(gotB), "seed \(seed): show --json bytes")
            }
            let conflictsA = try a.conflictViews()
            #expect(conflictsA == (try b.conflictViews()), "seed \(seed): conflicts")
            let expectedConflicts = reference.snapshots.reduce(0) { $0 + $1.conflictCount }
            #expect(conflictsA.count == expectedConflicts, "seed \(seed): conflict count")
            #expect(try a.allChanges().count == Set(changes.map(\.id)).count)
        }
        #expect(total > 1_000, "the histories should exercise many changes, got \(total)")
    }

    @Test("the merge vectors reach their expected state through SQLite in several orders")
    func mergeVectors() throws {
        struct File: Decodable {
            struct Vector: Decodable {
                var name: String
                var changes: [Change]
            }
            var vectors: [Vector]
        }
        let url = URL(fileURLWithPath: repositoryRoot + "/Tests/ConcordCoreTests/merge-vectors.json")
        let vectors = try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).vectors
        #expect(vectors.count >= 13)
        let dir = TempDir()
        var random = SeededRandom(seed: 5)
        for vector in vectors {
            let reference = Replica(folding: vector.changes)
            for attempt in 0..<6 {
                let store = try makeStore(dir, name: "\(vector.name)-\(attempt).sqlite")
                try Self.deliver(vector.changes, to: store, random: &random)
                for snapshot in reference.snapshots {
                    #expect(try store.snapshot(of: snapshot.id) == snapshot, "\(vector.name) order \(attempt)")
                }
            }
        }
    }

    @Test("rebuilding the view from the log gives exactly the incremental view")
    func rebuildEqualsIncremental() throws {
        let dir = TempDir()
        var sim = HistorySimulator(seed: 77, analysts: 4)
        for _ in 0..<150 { sim.edit(by: Int(sim.nextRandom() % 4)) }
        let store = try makeStore(dir)
        var random = SeededRandom(seed: 3)
        try Self.deliver(sim.allChanges, to: store, random: &random)
        let before = try dumpView(store.path)
        try store.rebuild()
        let after = try dumpView(store.path)
        #expect(before == after)
        #expect(!before.isEmpty)
    }

    @Test("a store of the v1 schema, which copied each change's data into its version rows, migrates to the same view")
    func migrationFromV1() throws {
        let dir = TempDir()
        var sim = HistorySimulator(seed: 91, analysts: 4)
        for _ in 0..<150 { sim.edit(by: Int(sim.nextRandom() % 4)) }
        let changes = sim.allChanges
        var random = SeededRandom(seed: 8)
        try Self.deliver(changes, to: try makeStore(dir), random: &random)
        let path = dir.file("store.sqlite")
        let before = try dumpView(path)
        let versions = before.filter { $0.hasPrefix("version ") }.count
        #expect(versions > 100)

        // Turn the file back into what v1 wrote: the version rows as a table holding the data, no later tables.
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE version_v1 AS SELECT * FROM version;
                    DROP VIEW version;
                    DROP TABLE version_row;
                    CREATE TABLE version (
                        entity TEXT NOT NULL, field TEXT NOT NULL, change TEXT NOT NULL, kind TEXT NOT NULL,
                        value NOT NULL, author TEXT NOT NULL, hlc TEXT NOT NULL, replica TEXT NOT NULL,
                        context TEXT NOT NULL, PRIMARY KEY (entity, field, change)) WITHOUT ROWID;
                    INSERT INTO version SELECT * FROM version_v1;
                    DROP TABLE version_v1;
                    DELETE FROM grdb_migrations WHERE identifier IN ('v2-version-rows', 'v3-report-state');
                    """)
            for table in ReportStateTests.tables { try db.execute(sql: "DROP TABLE \(table)") }
        }
        try queue.close()
        #expect(try dumpView(path) == before, "the v1 table holds the same rows")

        // Opening migrates (saying so first, once); the view reads the same rows, and the store goes on working on
        // the new tables.
        var upgrades = 0
        let store = try LocalStore.open(at: path) { upgrades += 1 }
        #expect(upgrades == 1)
        _ = try LocalStore.open(at: path) { upgrades += 1 }
        #expect(upgrades == 1, "an upgraded store is not upgraded again")
        #expect(try dumpView(path) == before)
        let rows = try DatabaseQueue(path: path).read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM version_row") ?? 0
        }
        #expect(rows == versions)
        let reference = Replica(folding: changes)
        for entity in Self.entities(changes) {
            #expect(try store.snapshot(of: entity) == reference.snapshot(of: entity), "\(entity)")
        }
        try store.rebuild()
        #expect(try dumpView(path) == before, "rebuild writes what the migration wrote")
    }

    func dumpView(_ path: String) throws -> [String] {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            var out: [String] = []
            for table in ["version", "retired", "entity"] {
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(table)")
                out += rows.map { "\(table) \($0)" }.sorted()
            }
            return out
        }
    }
}
