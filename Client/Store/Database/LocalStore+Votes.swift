import ConcordCore
import ConcordSQLite
import GRDB

/// `coder_vote` (migration `v6-coder-vote`): each coder's current vote on each coded field of each event
/// (protocol.md §11), as ``CodingVotes`` reduces the event's log. Every applied batch recomputes the votes of the events
/// whose coded fields it touched, from their log rows, so `concord agreement` reads a few small rows an event
/// instead of the whole log. The rows follow the same rules as the agreement of a store that reads the log: only
/// understood changes (protocol.md §12), never a change the server refused.
extension LocalStore {
    /// The coded fields, and those of them that are sets.
    private static let codedFields = Set(Schema.codedEventFields)
    private static let codedSetFields = Set(
        Schema.codedEventFields.filter { Schema.field($0, of: .event)?.kind == .set })

    /// Whether a change of `field` on `entity` can change a vote.
    static func touchesVotes(_ entity: EntityID, field: String) -> Bool {
        entity.kind == .event && codedFields.contains(field)
    }

    /// Recomputes the rows of `events` from their log rows of schemas up to `understood`. `new` events have no row
    /// yet (none of their changes was folded before), which saves a delete each, and their log rows of those
    /// schemas are the changes given with them (the batch that folds them; `rejected` those the server refused),
    /// which saves reading them back.
    static func refreshVotes(
        of events: some Sequence<EntityID>, new: [EntityID: [Change]] = [:], rejected: Set<ChangeID> = [],
        understanding understood: Int, _ db: Database
    ) throws {
        let log = try codedLog(understanding: understood, db)
        let delete = try RawStatement(db, sql: "DELETE FROM coder_vote WHERE entity = ?")
        let insert = try RawStatement(
            db, sql: "INSERT INTO coder_vote (entity, field, coder, hlc, value) VALUES (?, ?, ?, ?, ?)")
        for event in events {
            let changes: [CodedChange]
            if let batch = new[event] {
                changes = batch.compactMap {
                    codedFields.contains($0.field) && !rejected.contains($0.id) ? CodedChange($0) : nil
                }
            } else {
                changes = try codedChanges(of: event.rawValue, log)
                delete.bind(event.rawValue, at: 1)
                try delete.execute()
            }
            insert.bind(event.rawValue, at: 1)
            for vote in CodingVotes.votes(event: event.rawValue, changes: changes, sets: codedSetFields) {
                insert.bind(vote.field, at: 2)
                insert.bind(vote.coder, at: 3)
                insert.bind(vote.hlc.description, at: 4)
                insert.bind(vote.value.storedText, at: 5)
                try insert.execute()
            }
        }
    }

    /// The statement that reads one event's log rows of schemas up to `understood` (bind the event at 1), for
    /// ``codedChanges(of:_:)``: never a change the server refused.
    private static func codedLog(understanding understood: Int, _ db: Database) throws -> RawStatement {
        let log = try RawStatement(
            db,
            sql: """
                SELECT id, field, op, value, author, hlc, supersedes, reason FROM change
                WHERE entity = ? AND state != \(LogState.rejected.sql) AND schema <= ?
                """)
        log.bind(Int64(understood), at: 2)
        return log
    }

    /// The coded-field changes of `event`, read with `log` (``codedLog(understanding:_:)``).
    private static func codedChanges(of event: String, _ log: RawStatement) throws -> [CodedChange] {
        var changes: [CodedChange] = []
        log.bind(event, at: 1)
        try log.forEachRow { row in
            let field = row.text(1)
            guard codedFields.contains(field), let op = ChangeOp(rawValue: row.text(2)) else { return }
            let supersedes = row.text(6)
            changes.append(
                CodedChange(
                    id: row.text(0), field: field, op: op, value: row.text(3), author: row.text(4),
                    hlc: row.text(5),
                    supersedes: supersedes.isEmpty ? [] : supersedes.split(separator: ",").map(String.init),
                    resolution: !row.isNull(7) && Reason.isGiven(row.text(7))))
        }
        return changes
    }

    /// Rewrites `input` for blind coding (protocol.md §15) from this store's log: submissions, creation clocks and
    /// the coded history of the events of submitted documents.
    static func applyBlindCoding(to input: inout AgreementInput, understanding understood: Int, _ db: Database)
        throws
    {
        let documents = try String.fetchAll(
            db,
            sql: """
                SELECT DISTINCT entity FROM change WHERE \(EntityID.Kind.document.sqlCondition("entity"))
                    AND field IN ('\(Blinding.assignedField)', '\(Blinding.submittedField)', '\(Blinding.releasedField)')
                """)
        input.assignments = try documents.sorted().map {
            Blinding.Document(try LiveRows.version.load(EntityID(stored: $0), db).snapshot)
        }
        .filter(\.isAssigned)
        var submissions: BlindCoding.Submissions = [:]
        let rows = try RawStatement(
            db,
            sql: """
                SELECT entity, value, MIN(hlc) FROM change
                WHERE field = '\(Blinding.submittedField)' AND op = 'add'
                    AND \(EntityID.Kind.document.sqlCondition("entity")) AND state != \(LogState.rejected.sql) AND schema <= ?
                GROUP BY entity, value
                """)
        rows.bind(Int64(understood), at: 1)
        try rows.forEachRow { row in
            guard let hlc = try? HLC(row.text(2)) else { return }
            submissions[row.text(0), default: [:]][row.text(1)] = hlc
        }
        guard !submissions.isEmpty else { return }
        var created: [String: HLC] = [:]
        let creators = try RawStatement(db, sql: "SELECT entity, key FROM event_creator")
        try creators.forEachRow { row in
            if let clock = row.text(1).split(separator: " ").first, let hlc = try? HLC(clock) {
                created[row.text(0)] = hlc
            }
        }
        let log = try codedLog(understanding: understood, db)
        try BlindCoding.apply(to: &input, submissions: submissions, created: created) { event in
            try codedChanges(of: event, log)
        }
    }

    /// Fills `coder_vote` for a store made before it: every event with a coded change, under the schema the view
    /// was folded with (NULL: every schema, see migration `v4-view-schema`).
    static func backfillVotes(_ db: Database) throws {
        let folded = try Int.fetchOne(db, sql: "SELECT viewSchema FROM store") ?? Int(Int32.max)
        let events = try String.fetchAll(
            db,
            sql: """
                SELECT DISTINCT entity FROM change
                WHERE \(EntityID.Kind.event.sqlCondition("entity")) AND field IN (SELECT value FROM json_each(?))
                """,
            arguments: [RawStatement.jsonArray(Schema.codedEventFields)])
        try refreshVotes(of: events.map { EntityID(stored: $0) }, understanding: folded, db)
    }

    /// Every coder's vote, by event (in id order), then field and coder. A value the store cannot read back (a
    /// corrupt row) is left out.
    static func votes(_ db: Database) throws -> [CoderVote] {
        // Sized once: 300k votes of ~90 bytes would otherwise be copied as the array doubles, on fresh pages.
        var votes: [CoderVote] = []
        votes.reserveCapacity(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM coder_vote") ?? 0)
        var event = ""
        var eventBytes: [UInt8] = []
        let rows = try RawStatement(db, sql: "SELECT entity, field, coder, hlc, value FROM coder_vote")
        try rows.forEachRow { row in
            // An event's rows are together: make its id once.
            if !row.withUTF8(0, { $0.elementsEqual(eventBytes) }) {
                event = row.text(0)
                eventBytes = Array(event.utf8)
            }
            let field = row.text(1)
            guard let value = CodedValue(storedText: row.text(4), isSet: codedSetFields.contains(field)) else {
                return
            }
            // The clock is read from the row's bytes: no string is made for it.
            guard let hlc = row.withUTF8(3, { try? HLC(utf8: $0) }) else { return }
            votes.append(CoderVote(event: event, field: field, coder: row.text(2), hlc: hlc, value: value))
        }
        return votes
    }
}

extension CodedChange {
    /// A coded change as ``LocalStore``'s vote rows read it back from the log: the value as SQLite's text of the
    /// stored column (a boolean is stored as 1 or 0).
    fileprivate init(_ change: Change) {
        let value: String
        switch change.value {
        case .string(let text): value = text
        case .bool(let flag): value = flag ? "1" : "0"
        }
        self.init(
            id: change.id.rawValue, field: change.field, op: change.op, value: value, author: change.author.rawValue,
            hlc: change.hlc.description, supersedes: change.supersedes.map(\.rawValue),
            resolution: Reason.isGiven(change.reason))
    }
}
