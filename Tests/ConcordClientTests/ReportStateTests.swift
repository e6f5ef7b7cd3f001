import ConcordStore
import ConcordCore
import Foundation
import GRDB
import Testing

/// The tables the store keeps for the report (`report_*`, migration v3-report-state) must always equal what a full
/// recount over the log and the view gives, however the changes arrived, after `rebuild`, and after migrating a
/// store from before them.
@Suite("Report state")
struct ReportStateTests {
    @Test(
        "after random histories applied in random pages, with own edits, the report's tables equal a full recount",
        arguments: Array(UInt64(1)...12))
    func equalsRecount(seed: UInt64) throws {
        let dir = TempDir()
        let store = try makeStore(dir, seed: seed)
        let changes = ReportHistory.changes(seed: seed, analysts: 3 + Int(seed % 3), steps: 150 + Int(seed % 4) * 50)
        var random = SeededRandom(seed: seed &* 131)
        try StoreMergeTests.deliver(changes, to: store, random: &random)
        let event = try store.addEvent(EventDraft(values: ["doc": "document/3f9a1c0d5e7b2a46", "title": "Own"]))
        _ = try store.set(event.rawValue, field: "confidence", value: "low")
        let tables = try Self.dump(store.path)
        #expect(tables == (try Self.recount(store.path)), "seed \(seed)")
        #expect(tables.contains { $0.hasPrefix("report_superseding") }, "seed \(seed): no superseding change")
    }

    @Test("rebuild writes exactly the report tables the incremental path wrote")
    func rebuildKeepsTables() throws {
        let dir = TempDir()
        let store = try makeStore(dir)
        var random = SeededRandom(seed: 9)
        try StoreMergeTests.deliver(ReportHistory.changes(seed: 9), to: store, random: &random)
        let before = try Self.dump(store.path)
        try store.rebuild()
        #expect(try Self.dump(store.path) == before)
        #expect(before.count > 20)
    }

    @Test("opening a store from before the report tables fills them as if they had been kept all along")
    func migrationFromV1() throws {
        let dir = TempDir()
        let path: String
        let expected: [String]
        let changes = ReportHistory.changes(seed: 4, analysts: 4, steps: 250)
        do {
            let store = try makeStore(dir, seed: 4)
            var random = SeededRandom(seed: 4)
            try StoreMergeTests.deliver(changes, to: store, random: &random)
            path = store.path
            expected = try Self.dump(path)
        }
        // Back to before v3-report-state: no report tables, that migration not applied.
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            for table in Self.tables { try db.execute(sql: "DROP TABLE \(table)") }
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v3-report-state'")
        }
        try queue.close()
        let reopened = try LocalStore.open(at: path)
        #expect(try Self.dump(path) == expected)
        #expect(try reopened.report(generatedAt: nil) == ConflictReport.build(from: changes))
    }

    static let tables = [
        "report_author", "report_author_event", "report_entity_count", "report_entity", "report_superseding",
    ]

    /// Every row of the report's tables, as sorted text.
    static func dump(_ path: String) throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            var out: [String] = []
            for table in tables {
                out += try Row.fetchAll(db, sql: "SELECT * FROM \(table)").map { "\(table) \($0)" }.sorted()
            }
            return out
        }
    }

    /// The report's tables as a full pass over the log and the view gives them, in the format of ``dump(_:)``.
    static func recount(_ path: String) throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            struct Logged {
                var seq: Int64
                var id, entity, field, op, author: String
                var hlc: HLC
                var supersedes: [String]
            }
            var log: [Logged] = []
            for row in try Row.fetchAll(
                db, sql: "SELECT seq, id, entity, field, op, author, hlc, supersedes FROM change ORDER BY seq")
            {
                let supersedes: String = row[7]
                log.append(
                    Logged(
                        seq: row[0], id: row[1], entity: row[2], field: row[3], op: row[4], author: row[5],
                        hlc: try HLC(row[6] as String),
                        supersedes: supersedes.split(separator: ",").map(String.init)))
            }
            var out: [String] = []

            struct Tally {
                var changes = 0
                var events = Set<String>()
                var first: HLC
                var last: HLC
            }
            var tallies: [String: Tally] = [:]
            for change in log {
                var tally = tallies[change.author] ?? Tally(first: change.hlc, last: change.hlc)
                tally.changes += 1
                if change.entity.hasPrefix("event/") { tally.events.insert(change.entity) }
                tally.first = min(tally.first, change.hlc)
                tally.last = max(tally.last, change.hlc)
                tallies[change.author] = tally
            }
            out += tallies.map { author, tally in
                let row: Row = [
                    "author": author, "changes": tally.changes, "events": tally.events.count,
                    "first": tally.first.description, "last": tally.last.description,
                ]
                return "report_author \(row)"
            }.sorted()
            out += tallies.flatMap { author, tally in
                tally.events.map { event -> String in
                    let row: Row = ["author": author, "event": event]
                    return "report_author_event \(row)"
                }
            }.sorted()

            out += try Row.fetchAll(
                db, sql: "SELECT kind, COUNT(*) AS entities, SUM(deleted != 0) AS deleted FROM entity GROUP BY kind"
            ).map { "report_entity_count \($0)" }.sorted()
            out += try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT entity AS id FROM version WHERE kind = 'r'
                    GROUP BY entity, field HAVING COUNT(*) > 1
                    """
            ).map { "report_entity \($0)" }.sorted()

            // The rule of ReportState, written out over the whole log: a set change whose supersedes lists at
            // least two other ids that are not changes logged before it as anything but a set of its field.
            let byID = Dictionary(log.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            var superseding: [String] = []
            for change in log where change.op == "set" {
                let possible = Set(change.supersedes).subtracting([change.id]).filter { id in
                    guard let old = byID[id], old.seq < change.seq else { return true }
                    return old.entity == change.entity && old.field == change.field && old.op == "set"
                }
                if possible.count >= 2 {
                    let row: Row = ["seq": change.seq]
                    superseding.append("report_superseding \(row)")
                }
            }
            return out + superseding.sorted()
        }
    }
}
