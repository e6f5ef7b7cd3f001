import ConcordCore
import ConcordSQLite
import GRDB

extension LocalStore {
    /// Open conflicts in the `concord conflicts --json` shape, with each event's title, document and evidence:
    /// the same ``ConflictView``s the server's `GET /v1/conflicts` lists.
    public func conflictViews() throws -> [ConflictView] {
        let titles = Dictionary(try documents().map { ($0.id, $0.title) }, uniquingKeysWith: { a, _ in a })
        return try read { db in
            var views: [ConflictView] = []
            let ids = try Self.conflictedEntities(db)
            // A query per 2,000 entities, not one per entity (a sync's summary reads them all after a long pull).
            for start in stride(from: 0, to: ids.count, by: 2_000) {
                let chunk = ids[start..<min(ids.count, start + 2_000)]
                let loaded = try LiveRows.version.loadAll(chunk, db)
                for id in chunk {
                    views += ConflictView.list((loaded[id] ?? LiveEntity(id: id)).snapshot) { titles[$0] ?? nil }
                }
            }
            return views
        }
    }

    /// How many open conflicts ``conflictViews()`` lists, counted from the view's summary rows.
    public func openConflictCount() throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(conflicts), 0) FROM entity WHERE conflicts > 0") ?? 0
        }
    }

    /// Whether the view holds a change by `analyst` (one row of `report_author`, which counts every folded change by
    /// author): if not, no conflict or cluster disagreement can have a version of theirs.
    public func viewHolds(authorOf analyst: AnalystName) throws -> Bool {
        try read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM report_author WHERE author = ?)", arguments: [analyst.rawValue])
                ?? false
        }
    }

    /// Disagreements between analysts' codings of linked events (protocol.md §11), read from the members of every
    /// cluster of two or more events.
    public func clusterDisagreements() throws -> [ClusterDisagreement] {
        try read { db in ClusterDisagreement.list(try Self.clusterMembers(db)) }
    }

    /// The snapshots of every member of a cluster of two or more events.
    static func clusterMembers(_ db: Database) throws -> [EntitySnapshot] {
        try LiveRows.version.loadAll(clusterMemberIDs(db), db).values.map(\.snapshot)
    }

    /// The ids of every member of a cluster of two or more events.
    static func clusterMemberIDs(_ db: Database) throws -> [EntityID] {
        try clusters(db).members.values.filter { $0.count > 1 }.flatMap { $0 }.map { EntityID(stored: $0) }
    }
}
