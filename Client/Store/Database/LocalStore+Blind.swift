import ConcordCore
import GRDB

/// A range of the server's log whose changes to one blind document's events were left out of a pull
/// (protocol.md §15): `(after, through]`.
public struct WithheldRange: Hashable, Sendable {
    public var document: EntityID
    public var after: Int64
    public var through: Int64
}

/// The latest point of the server's log a store has seen: a seq and the id of the change at it (protocol.md §5).
public struct KnownPoint: Hashable, Sendable {
    public var seq: Int64
    public var id: String

    public init(seq: Int64, id: String) {
        self.seq = seq
        self.id = id
    }
}

extension LocalStore {
    /// The latest point of the server's log this store has seen, or nil before the first pull or push that told.
    public func knownPoint() throws -> KnownPoint? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT knownSeq, knownID FROM store"),
                let id = row[1] as String?, let seq = row[0] as Int64?, seq > 0
            else { return nil }
            return KnownPoint(seq: seq, id: id)
        }
    }

    /// Records that the server's log holds change `id` at `seq`, if it is later than the point known so far.
    public func noteKnown(seq: Int64, id: String?) throws {
        guard let id, seq > 0 else { return }
        try write { db in try Self.noteKnown(seq: seq, id: id, db) }
    }

    static func noteKnown(seq: Int64, id: String?, _ db: Database) throws {
        guard let id, seq > 0 else { return }
        try db.execute(
            sql: "UPDATE store SET knownSeq = ?, knownID = ? WHERE knownSeq <= ?", arguments: [seq, id, seq])
    }

    /// Prepares a repair after the server's log was found rewound (protocol.md §5): every own change the server
    /// had accepted is pending again (the server keeps one copy of each id, so those it still has are counted as
    /// duplicates), the pull starts again from 0 (changes already here are skipped), and what was recorded against
    /// the old log (withheld ranges, the known point) is forgotten. One transaction. Returns the changes made
    /// pending again.
    public func prepareForRewoundLog() throws -> Int {
        try write { db in
            try db.execute(
                sql: "UPDATE change SET state = \(LogState.pending.sql) WHERE state = \(LogState.pushed.sql)")
            let count = db.changesCount
            try db.execute(sql: "UPDATE store SET pullCursor = 0, knownSeq = 0, knownID = NULL")
            try db.execute(sql: "DELETE FROM withheld")
            return count
        }
    }

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
            let result = try applyReceived(changes, db)
            if done || next >= range.through {
                try db.execute(
                    sql: "DELETE FROM withheld WHERE doc = ? AND after = ?",
                    arguments: [range.document.rawValue, range.after])
            } else if next > range.after {
                try db.execute(
                    sql: "UPDATE withheld SET after = ? WHERE doc = ? AND after = ?",
                    arguments: [next, range.document.rawValue, range.after])
            }
            return result
        }
    }

    /// The coding state of `document` here (protocol.md §15), or nil when this store has no such document.
    public func codingState(of document: EntityID) throws -> Blinding.Document? {
        try snapshot(of: document).map(Blinding.Document.init)
    }
}
