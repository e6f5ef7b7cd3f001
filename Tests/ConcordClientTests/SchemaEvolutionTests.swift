import ConcordStore
import ConcordSync
import ConcordCore
import Foundation
import GRDB
import Testing

/// protocol.md §12, evolution without resets: an older client keeps what it cannot read in its log, out of its view, keeps
/// syncing, and folds it in once upgraded. An older build is played by a store opened with `understoodSchema: 1`.
@Suite("Schema evolution")
struct SchemaEvolutionTests {
    /// A store (with a deterministic clock and ids) that understands schemas up to `understood`.
    func store(_ dir: TempDir, _ name: String, analyst: String, seed: UInt64, understood: Int) throws -> LocalStore {
        let clock = TestClock()
        return try LocalStore.create(
            at: dir.file(name), analyst: AnalystName(analyst), server: nil, token: nil, now: clock.now,
            ids: UUIDv7Generator(now: clock.now, random: SeededRandom(seed: seed)), understoodSchema: understood)
    }

    /// The same file opened again by a build that understands schemas up to `understood`.
    func reopen(_ store: LocalStore, understood: Int, upgrading: (() -> Void)? = nil) throws -> LocalStore {
        let clock = TestClock(start: 1_752_300_000_000)
        return try LocalStore.open(
            at: store.path, now: clock.now, ids: UUIDv7Generator(now: clock.now, random: SeededRandom(seed: 99)),
            understoodSchema: understood, upgrading: upgrading)
    }

    /// Bob's work on a current build: two events with schema-1 fields, then schema-2 ones (a mode, a recipient, a
    /// context, a link), then a schema-1 title edit written after them.
    func bobsWork(_ dir: TempDir) throws -> (changes: [Change], events: [EntityID]) {
        let bob = try store(dir, "bob.sqlite", analyst: "bob", seed: 2, understood: 2)
        let doc = try bob.importArticles(seedFiles)[0].id
        let drill = try bob.addEvent(
            EventDraft(values: ["doc": doc.rawValue, "title": "Troops moved", "type": "MOBILIZE"], actors: ["Japan"]))
        let talks = try bob.addEvent(EventDraft(values: ["doc": doc.rawValue, "title": "Talks", "type": "CONSULT"]))
        _ = try bob.set(drill.rawValue, field: "mode", value: "troops")
        _ = try bob.set(drill.rawValue, field: "mode", value: "weapons")
        _ = try bob.addElement(drill.rawValue, field: "recipients", value: "South Korea")
        _ = try bob.addElement(talks.rawValue, field: "context", value: "diplomatic")
        _ = try bob.link(drill.rawValue, to: [talks.rawValue])
        _ = try bob.set(drill.rawValue, field: "title", value: "Troops and weapons moved")
        return (try bob.allChanges(), [drill, talks])
    }

    /// Delivers `changes` as pulled pages of three, in order.
    func deliver(_ changes: [Change], to store: LocalStore) throws {
        var seq: Int64 = 0
        for start in stride(from: 0, to: changes.count, by: 3) {
            let page = changes[start..<min(changes.count, start + 3)].map { change -> Wire.SequencedChange in
                seq += 1
                return Wire.SequencedChange(seq: seq, change: change)
            }
            _ = try store.applyPulled(page, cursor: seq)
        }
    }

    /// Every row of the view and of the report's tables, as text.
    func dumpView(_ path: String) throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            var out: [String] = []
            let tables =
                ["version", "retired", "entity", "report_author", "report_author_event"]
                + ["report_entity_count", "report_entity", "report_superseding"]
            for table in tables {
                out += try Row.fetchAll(db, sql: "SELECT * FROM \(table)").map { "\(table) \($0)" }.sorted()
            }
            return out
        }
    }

    /// The `show --json` bytes of every event of a store.
    func shown(_ store: LocalStore) throws -> [Data] {
        try store.eventSnapshots().map(JSONShapes.show)
    }

    @Test("an older client keeps newer-schema changes in its log, out of its view, and counts them")
    func olderClientKeepsThem() throws {
        let dir = TempDir()
        let (changes, events) = try bobsWork(dir)
        let newer = changes.filter { $0.schema == 2 }
        #expect(newer.count == 5, "two modes, a recipient, a context and a link are schema 2")
        let alice = try store(dir, "alice.sqlite", analyst: "alice", seed: 1, understood: 1)
        try deliver(changes, to: alice)

        // The log holds every change as pulled: same content, state remote, its server seq.
        #expect(try alice.allChanges() == changes)
        let rows = try DatabaseQueue(path: alice.path).read { db in
            try Row.fetchAll(db, sql: "SELECT id, state, serverSeq FROM change WHERE schema = 2 ORDER BY seq")
        }
        let expected = changes.enumerated().filter { $0.element.schema == 2 }.map {
            "\($0.element.id) remote \($0.offset + 1)"
        }
        #expect(rows.map { "\($0[0] as String) \($0[1] as String) \($0[2] as Int64)" } == expected)
        #expect(try alice.metadata().pullCursor == Int64(changes.count))

        // The view holds the schema-1 changes, including the title edit written after the newer ones.
        let drill = try alice.event(events[0].rawValue)
        #expect(drill.fields["title"]?.value == "Troops and weapons moved")
        #expect(drill.fields["type"]?.value == "MOBILIZE")
        #expect(drill.sets["actors"] == ["Japan"])
        #expect(drill.fields["mode"] == nil)
        #expect(drill.sets["recipients", default: []].isEmpty)
        #expect(drill.sets["same_as", default: []].isEmpty)
        #expect(try alice.event(events[1].rawValue).sets["context", default: []].isEmpty)
        let viewRows = try DatabaseQueue(path: alice.path).read { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM version_row r JOIN change c ON c.seq = r.seq WHERE c.schema = 2")
        }
        #expect(viewRows == 0)
        #expect(
            try alice.reportInputs().totals.changes == changes.count - newer.count, "the report counts only the view's")

        #expect(try alice.newerSchemaCount() == newer.count)
        #expect(SyncSummary.needNewerMessage(5) == "5 changes need a newer concord (upgrade concord to see them)")
    }

    @Test(
        "a schema-2 client keeps schema-3 changes (end dates, aux modes, quotes, assignments) in its log and folds them once upgraded"
    )
    func schemaThreeFields() throws {
        let dir = TempDir()
        let carol = try store(dir, "carol.sqlite", analyst: "carol", seed: 3, understood: 3)
        let reuters = seedFiles.first { $0.contains("003_") }!
        let doc = try carol.importArticles([reuters])[0].id
        let drill = try carol.addEvent(
            EventDraft(values: [
                "doc": doc.rawValue, "title": "Joint air drill", "type": "COOPERATE", "date": "2025-07-11",
                "end_date": "2025-07-12",
            ]))
        _ = try carol.addElement(drill.rawValue, field: "aux", value: "historical")
        _ = try carol.addElement(drill.rawValue, field: "quotes", value: "a U.S. B-52 strategic bomber")
        let changes = try carol.allChanges()
        let newer = changes.filter { $0.schema == 3 }
        #expect(Set(newer.map(\.field)).isSuperset(of: ["end_date", "aux", "quotes", "file"]))

        let older = try store(dir, "older.sqlite", analyst: "older", seed: 4, understood: 2)
        try deliver(changes, to: older)
        #expect(try older.allChanges() == changes, "every change kept in the log")
        #expect(try older.newerSchemaCount() == newer.count)
        let seen = try older.event(drill.rawValue)
        #expect(seen.fields["end_date"] == nil && seen.sets["aux"] == nil && seen.sets["quotes"] == nil)
        #expect(seen.fields["date"]?.value == "2025-07-11", "the schema-2 fields are in the view")
        // The older build goes on writing what it understands.
        _ = try older.set(drill.rawValue, field: "type", value: "MOBILIZE")
        #expect(try older.pendingChanges(limit: 10).allSatisfy { $0.schema <= 2 })

        let upgraded = try reopen(older, understood: 3)
        let now = try upgraded.event(drill.rawValue)
        #expect(now.fields["end_date"]?.value == "2025-07-12")
        #expect(now.sets["aux"] == ["historical"] && now.sets["quotes"] == ["a U.S. B-52 strategic bomber"])
        #expect(try upgraded.newerSchemaCount() == 0)
    }

    @Test("an older client's sync completes, moves its cursor past newer changes and does not pull them again")
    func olderClientKeepsSyncing() async throws {
        let dir = TempDir()
        let (changes, events) = try bobsWork(dir)
        let alice = try store(dir, "alice.sqlite", analyst: "alice", seed: 1, understood: 1)
        let server = MemorySyncServer(me: Wire.Me(name: try AnalystName("alice"), role: .analyst))
        await server.seed(changes)
        var options = SyncEngine.Options()
        options.pullPage = 4
        let engine = SyncEngine(store: alice, transport: server, options: options, sleep: { _ in })

        let first = try await engine.run()
        #expect(first.pulled == changes.count)
        #expect(first.needNewer == 5)
        #expect(first.description.hasSuffix(", 5 changes need a newer concord (upgrade concord to see them)"))
        #expect(try alice.metadata().pullCursor == Int64(changes.count))
        #expect(try alice.event(events[0].rawValue).fields["mode"] == nil)
        let calls = await server.pullCalls

        let second = try await engine.run()
        #expect(second.pulled == 0)
        #expect(second.needNewer == 5, "still said, until an upgrade")
        #expect(await server.pullCalls == calls + 1, "one empty page, not the newer changes again")
        #expect(try alice.allChanges().count == changes.count)

        // An edit the old client can write still goes up.
        let event = try alice.events()[0].id
        _ = try alice.note(event.rawValue, text: "seen from an old build")
        #expect(try await engine.run().pushed == 1)
    }

    @Test("after an upgrade, opening the store folds them in: the view of a store that understood them all along")
    func upgradeFoldsThemIn() throws {
        let dir = TempDir()
        let (changes, events) = try bobsWork(dir)
        let alice = try store(dir, "alice.sqlite", analyst: "alice", seed: 1, understood: 1)
        let reference = try store(dir, "reference.sqlite", analyst: "alice", seed: 1, understood: 2)
        try deliver(changes, to: alice)
        try deliver(changes, to: reference)
        #expect(try shown(alice) != shown(reference))

        var upgrades = 0
        let upgraded = try reopen(alice, understood: 2) { upgrades += 1 }
        #expect(upgrades == 1, "the upgrade says so once")
        #expect(try shown(upgraded) == shown(reference), "byte-equal show --json for every event")
        #expect(try dumpView(upgraded.path) == dumpView(reference.path), "the same rows, report tables included")
        #expect(try upgraded.report(generatedAt: nil) == reference.report(generatedAt: nil))
        #expect(try upgraded.newerSchemaCount() == 0)
        let drill = try upgraded.event(events[0].rawValue)
        #expect(drill.fields["mode"]?.value == "weapons")
        #expect(drill.sets["recipients"] == ["South Korea"])
        #expect(drill.sets["same_as"] == [events[1].rawValue])

        // Opened again by the same build: nothing to fold, no rebuild.
        _ = try reopen(alice, understood: 2) { upgrades += 1 }
        #expect(upgrades == 1, "a normal open does not rebuild")
        // And an old store with no newer changes is not rebuilt by the upgrade either.
        let plain = try store(dir, "plain.sqlite", analyst: "carol", seed: 3, understood: 1)
        try deliver(changes.filter { $0.schema == 1 }, to: plain)
        let before = try dumpView(plain.path)
        _ = try reopen(plain, understood: 2) { upgrades += 1 }
        #expect(upgrades == 1)
        #expect(try dumpView(plain.path) == before)
    }

    /// Only fields that schema 2 added are written under schema 2 by this build, so no newer change can retire an
    /// older field's version here; a newer build may write an old field under its own schema, though, and such a
    /// change is built by hand: a title edit under schema 2, then a schema-1 title edit that supersedes it.
    @Test("a newer change that retires an older version is folded in log order after the upgrade")
    func retiringOrder() throws {
        let dir = TempDir()
        let (base, events) = try bobsWork(dir)
        let drill = events[0]
        let reference = try store(dir, "reference.sqlite", analyst: "alice", seed: 1, understood: 2)
        try deliver(base, to: reference)
        let title = try #require(try reference.event(drill.rawValue).fields["title"]?.candidates.first)
        let replica = try ReplicaID("0197f6c2-6e00-7000-8000-1a2b3c4d5e6f")
        var ids = UUIDv7Generator(now: { 1_752_224_500_000 }, random: SeededRandom(seed: 5))
        var clock = HybridClock(last: title.hlc)
        let newer = Change(
            id: ids.next(), entity: drill, field: "title", op: .set, value: "Newer title", supersedes: [title.change],
            hlc: clock.tick(wall: 0), author: try AnalystName("dave"), replica: replica, schema: 2)
        let older = Change(
            id: ids.next(), entity: drill, field: "title", op: .set, value: "Final title", supersedes: [newer.id],
            hlc: clock.tick(wall: 0), author: try AnalystName("dave"), replica: replica)
        #expect(newer.schema == 2 && older.schema == 1)
        let changes = base + [newer, older]
        let reference2 = try store(dir, "reference2.sqlite", analyst: "alice", seed: 1, understood: 2)
        try deliver(changes, to: reference2)
        #expect(try reference2.event(drill.rawValue).fields["title"]?.candidates.map(\.value) == ["Final title"])

        // The old build does not know the newer edit retired bob's title: it shows both beside the final one.
        let alice = try store(dir, "alice.sqlite", analyst: "alice", seed: 1, understood: 1)
        try deliver(changes, to: alice)
        let old = try #require(try alice.event(drill.rawValue).fields["title"])
        #expect(old.conflict && Set(old.candidates.map(\.value)) == ["Troops and weapons moved", "Final title"])

        let upgraded = try reopen(alice, understood: 2)
        #expect(try upgraded.event(drill.rawValue).fields["title"]?.candidates.map(\.value) == ["Final title"])
        #expect(try shown(upgraded) == shown(reference2))
        #expect(try dumpView(upgraded.path) == dumpView(reference2.path))
    }

    @Test("concord status says how many changes need a newer concord")
    func statusSaysSo() async throws {
        let dir = TempDir()
        let (changes, events) = try bobsWork(dir)
        let alice = try store(dir, "alice.sqlite", analyst: "alice", seed: 1, understood: Schema.version)
        let replica = try ReplicaID("0197f6c2-6e00-7000-8000-1a2b3c4d5e6f")
        var ids = UUIDv7Generator(now: { 1_752_224_500_000 }, random: SeededRandom(seed: 5))
        var clock = HybridClock(last: changes.map(\.hlc).max()!)
        var future: [Change] = []
        for value in ["rain", "fog"] {
            future.append(
                Change(
                    id: ids.next(), entity: events[0], field: "weather", op: .set, value: .string(value),
                    supersedes: [], hlc: clock.tick(wall: 0), author: try AnalystName("dave"), replica: replica,
                    schema: Schema.version + 1))
        }
        try deliver(changes + future, to: alice)
        let cli = CLI(store: alice.path)
        let text = try await cli.ok(["status"]).stdout
        #expect(text.contains("2 changes need a newer concord (upgrade concord to see them)"), "\(text)")
        let json = try await #require(try cli.json(["status"]) as? [String: Any])
        #expect(json["needNewer"] as? Int == 2)
        #expect(try await cli.ok(["show", events[0].rawValue]).stdout.contains("weather") == false)
    }

    @Test("an older store refuses to write a field newer than it understands, and writes nothing")
    func olderStoreWritesOnlyWhatItReads() throws {
        let dir = TempDir()
        let alice = try store(dir, "alice.sqlite", analyst: "alice", seed: 1, understood: 1)
        let doc = try alice.importArticles(seedFiles)[0].id
        let event = try alice.addEvent(
            EventDraft(values: ["doc": doc.rawValue, "title": "Troops moved", "type": "MOBILIZE"]))
        let before = try alice.allChanges().count
        let error = #expect(throws: StoreError.self) {
            try alice.set(event.rawValue, field: "mode", value: "troops")
        }
        #expect(error?.description.contains("schema 1 or older") == true)
        #expect(try alice.allChanges().count == before)
        #expect(try alice.allChanges().allSatisfy { $0.schema == 1 })
    }

    @Test("a store made before view schemas whose view holds a newer change is refolded without it on open")
    func storeFromBeforeTheMechanism() throws {
        let dir = TempDir()
        let (changes, events) = try bobsWork(dir)
        // A build of that time folded whatever it pulled: played by a store understanding 2 that pulls schema-3
        // changes built by hand, with its `viewSchema` and index removed as the v4 migration had not run yet.
        let replica = try ReplicaID("0197f6c2-6e00-7000-8000-1a2b3c4d5e6f")
        var ids = UUIDv7Generator(now: { 1_752_224_500_000 }, random: SeededRandom(seed: 5))
        var clock = HybridClock(last: changes.map(\.hlc).max()!)
        let future = Change(
            id: ids.next(), entity: events[0], field: "tags", op: .add, value: "from-the-future", supersedes: [],
            hlc: clock.tick(wall: 0), author: try AnalystName("dave"), replica: replica, schema: 3)
        let legacy = try store(dir, "legacy.sqlite", analyst: "alice", seed: 1, understood: 3)
        try deliver(changes + [future], to: legacy)
        #expect(try legacy.event(events[0].rawValue).sets["tags"] == ["from-the-future"])
        let queue = try DatabaseQueue(path: legacy.path)
        try queue.write { db in
            try db.execute(
                sql: """
                    DROP INDEX change_schema;
                    ALTER TABLE store DROP COLUMN viewSchema;
                    DELETE FROM grdb_migrations WHERE identifier = 'v4-view-schema';
                    """)
        }
        try queue.close()

        var upgrades = 0
        let opened = try reopen(legacy, understood: 2) { upgrades += 1 }
        #expect(upgrades == 1)
        #expect(try opened.event(events[0].rawValue).sets["tags", default: []].isEmpty)
        #expect(try opened.newerSchemaCount() == 1)
        let reference = try store(dir, "reference.sqlite", analyst: "alice", seed: 1, understood: 2)
        try deliver(changes + [future], to: reference)
        #expect(try dumpView(opened.path) == dumpView(reference.path))
    }
}
