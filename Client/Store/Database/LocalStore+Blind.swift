import ConcordCore
import GRDB

/// A range of the server's log whose changes to one blind document's events were left out of a pull
/// (protocol.md §15): `(after, through]`.
public struct WithheldRange: Hashable, Sendable {
    public var document: EntityID
    public var after: Int64
    public var through: Int64
}

extension LocalStore {
    /// Records that the server left `document`'s changes out of `(after, through]`, extending the range that ends
    /// at `after` when there is one (consecutive pages make one range). Inside the page's transaction.
    static func recordWithheld(_ document: EntityID, after: Int64, through: Int64, _ db: Database) throws {
        guard through > after else { return }
        try db.execute(
            sql: "UPDATE withheld SET through = ? WHERE doc = ? AND through = ?",
            arguments: [through, document.rawValue, after])
        if db.changesCount == 0 {
            try db.execute(
                sql: "INSERT OR REPLACE INTO withheld (doc, after, through) VALUES (?, ?, ?)",
                arguments: [document.rawValue, after, through])
        }
    }

    /// Every range still to be asked for again, by document and position.
    public func withheldRanges() throws -> [WithheldRange] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT doc, after, through FROM withheld ORDER BY doc, after").map {
                WithheldRange(document: EntityID(stored: $0[0]), after: $0[1], through: $0[2])
            }
        }
    }

    /// Applies a page of what was withheld in `range`, and in the same transaction shrinks the range to what is
    /// left after `next` (removes it when `done`): a backfill killed at any instant resumes without asking twice.
    /// The pull cursor does not move.
    public func applyBackfill(_ changes: [Wire.SequencedChange], range: WithheldRange, next: Int64, done: Bool)
        throws -> PullApplyResult
    {
        try write { db in
            let stored = try String.fetchOne(db, sql: "SELECT clock FROM store") ?? HLC.zero.description
            var clock = HybridClock(last: try HLC(stored))
            let wall = now()
            for sequenced in changes { clock.receive(sequenced.change.hlc, wall: wall) }
            let result = try Self.apply(
                changes.map { ($0.change, $0.seq) }, origin: .pulled, understanding: understoodSchema, db)
            try db.execute(sql: "UPDATE store SET clock = ?", arguments: [clock.last.description])
            if done || next >= range.through {
                try db.execute(
                    sql: "DELETE FROM withheld WHERE doc = ? AND after = ?",
                    arguments: [range.document.rawValue, range.after])
            } else if next > range.after {
                try db.execute(
                    sql: "UPDATE withheld SET after = ? WHERE doc = ? AND after = ?",
                    arguments: [next, range.document.rawValue, range.after])
            }
            return PullApplyResult(applied: result.fresh.count, duplicates: result.duplicates)
        }
    }

    /// The coding state of `document` here (protocol.md §15), or nil when this store has no such document.
    public func codingState(of document: EntityID) throws -> Blinding.Document? {
        try snapshot(of: document).map(Blinding.Document.init)
    }
}
