import ConcordCore
import ConcordSQLite
import GRDB

/// What `concord undo` did.
public struct UndoOutcome: Hashable, Sendable {
    /// The changes of the command undone, in log order.
    public var undone: [Change]
    /// The new changes that undo them.
    public var changes: [Change]
    /// One sentence per thing undone, for the user.
    public var summary: [String]

    /// What the undone command did, one phrase per change, for the user to check it was the one they meant.
    public var undoneDescription: String {
        undone.map { change in
            let what: String
            switch change.op {
            case .set where change.field == EntitySnapshot.deletedField:
                what = change.value == .bool(true) ? "deleted \(change.entity)" : "restored \(change.entity)"
            case .set: what = "set \(change.field) of \(change.entity) to \"\(change.value)\""
            case .add: what = "added \"\(change.value)\" to \(change.field) of \(change.entity)"
            case .remove: what = "removed \"\(change.value)\" from \(change.field) of \(change.entity)"
            case .append: what = "noted on \(change.entity)"
            }
            return what + (change.reason.map { " (a resolution: \"\($0)\")" } ?? "")
        }.joined(separator: "; ")
    }
}

extension LocalStore {
    /// `concord undo [CHANGE]`: undoes the analyst's latest command in this store, or the command that wrote
    /// CHANGE, with new changes that bring back what it replaced. The log is never rewritten: an undo syncs like any
    /// edit, before or after the undone command was synced, and is itself undone by naming one of its changes. The
    /// new changes carry no `reason` (a reason marks an adjudicator's decision, in the report and in sync news): the
    /// store's command table says which commands are undos, and `show --history` marks their changes.
    ///
    /// Without CHANGE, undos and commands already undone are passed over, so repeated `undo`s walk back through the
    /// analyst's commands as an editor's undo does. A command is what one `concord` command wrote in one
    /// transaction (`event edit` of three fields is undone at once); changes written before stores recorded
    /// commands count as commands of one change.
    ///
    /// How each change is undone (all in one transaction, or nothing):
    /// - the command created the event (`event add`, `event import`): the event is deleted;
    /// - `set` of a register: the value it replaced comes back (for `deleted`, a restore or a delete). Refused when
    ///   the field no longer shows the change's value as the analyst's own version (a later change replaced it:
    ///   undo that one first), when the field had no value before (a field cannot be emptied), or when the change
    ///   decided between different values (an adjudicator resolves again);
    /// - `add` to a set: the analyst's adds of the element are removed; `remove`: the element is added again;
    ///   either is passed over when a later change already did it;
    /// - a note: refused, notes are append-only.
    ///
    /// A command that was a resolution (its changes give a reason) is undone only with `reason`: undoing a decision
    /// is a decision, and the undo's changes carry it. A command the server refused (its changes set aside as
    /// rejected) was never shared and is not undone: the walk back passes over it, and naming it is refused.
    public func undo(_ reference: String? = nil, reason: String? = nil) throws -> UndoOutcome {
        try edit { writer in
            let db = writer.db
            let command = try Self.commandToUndo(reference, analyst: writer.analyst, db)
            if let resolution = command.changes.first(where: { Reason.isGiven($0.reason) }) {
                guard let reason = Reason.given(reason) else {
                    throw StoreError.refused(
                        "that command was a resolution of \(resolution.field) of \(resolution.entity) (\"\(resolution.reason ?? "")\"); "
                            + "undoing a decision is a decision: give --reason \"why\", or resolve again with "
                            + "`concord resolve`")
                }
                writer.reason = reason
            }
            writer.undoes = command.first
            var summary: [String] = []
            var entities: [EntityID] = []
            var byEntity: [EntityID: [Change]] = [:]
            for change in command.changes {
                if byEntity[change.entity] == nil { entities.append(change.entity) }
                byEntity[change.entity, default: []].append(change)
            }
            for entity in entities {
                guard entity.kind == .event else {
                    throw StoreError.refused(
                        "\(command.changes[0].id) changed \(entity); only event edits can be undone (a document is "
                            + "its text and stays)")
                }
                let stored = try LiveRows.version.load(entity, db)
                let changes = byEntity[entity]!
                let firstSeq = try Int64.fetchOne(
                    db, sql: "SELECT MIN(seq) FROM change WHERE entity = ?", arguments: [entity.rawValue])
                if let firstSeq, command.seqs.contains(firstSeq) {
                    summary.append(try Self.undoCreation(of: stored, by: changes[0], &writer))
                    continue
                }
                if stored.snapshot.deleted && !changes.contains(where: { $0.field == EntitySnapshot.deletedField }) {
                    throw StoreError.refused(
                        "\(entity) is deleted now; restore it first (`concord event restore \(entity)`), then undo")
                }
                for change in changes {
                    summary.append(try Self.undo(change, in: stored, &writer))
                }
            }
            guard !writer.changes.isEmpty else {
                throw StoreError.refused(
                    "nothing to undo: later changes already undid every change of that command ("
                        + summary.joined(separator: "; ") + ")")
            }
            return UndoOutcome(undone: command.changes, changes: writer.changes, summary: summary)
        }
    }

    /// The command to undo: the one that wrote the change `reference` names, or the analyst's latest command that
    /// is not an undo and was not undone.
    private static func commandToUndo(_ reference: String?, analyst: AnalystName, _ db: Database) throws
        -> (first: Int64, seqs: ClosedRange<Int64>, changes: [Change])
    {
        let seqs: ClosedRange<Int64>
        if let reference {
            let trimmed = reference.trimmingCharacters(in: .whitespaces).lowercased()
            guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
                throw StoreError.invalid(
                    "\"\(reference)\" is not a change id; `concord show EVENT --history` lists them")
            }
            let rows = try Row.fetchAll(
                db, sql: "SELECT seq, id, author FROM change WHERE id >= ? AND id < ? LIMIT 2",
                arguments: [trimmed, trimmed + "\u{10FFFF}"])
            guard let row = rows.first else {
                throw StoreError.invalid(
                    "no change matches \"\(reference)\"; `concord show EVENT --history` lists them")
            }
            guard rows.count == 1 else {
                throw StoreError.invalid("\"\(reference)\" matches several changes; give more of the id")
            }
            let author: String = row[2]
            guard author == analyst.rawValue else {
                throw StoreError.refused(
                    "\(row[1] as String) was made by \(author); you can undo only your own changes")
            }
            let seq: Int64 = row[0]
            if let range = try Row.fetchOne(
                db, sql: "SELECT first, last FROM command WHERE first <= ? ORDER BY first DESC LIMIT 1",
                arguments: [seq]), (range[1] as Int64) >= seq
            {
                seqs = (range[0] as Int64)...(range[1] as Int64)
            } else {
                seqs = seq...seq
            }
        } else {
            var passedOver = Set<Int64>()
            var found: ClosedRange<Int64>?
            let commands = try Row.fetchCursor(db, sql: "SELECT first, last, undoes FROM command ORDER BY first DESC")
            while let row = try commands.next() {
                let first: Int64 = row[0]
                if let undone = row[2] as Int64? {
                    passedOver.insert(undone)
                    continue
                }
                if passedOver.contains(first) { continue }
                // A command the server refused whole was never shared: nothing to undo there.
                let shared =
                    try Int.fetchOne(
                        db,
                        sql:
                            "SELECT COUNT(*) FROM change WHERE seq BETWEEN ? AND ? AND author = ? AND state != \(LogState.rejected.sql)",
                        arguments: [first, row[1] as Int64, analyst.rawValue]) ?? 0
                if shared == 0 { continue }
                found = first...(row[1] as Int64)
                break
            }
            guard let found else {
                throw StoreError.refused("nothing to undo: you have made no edit in this store that is not undone")
            }
            seqs = found
        }
        let changes = try Row.fetchAll(
            db,
            sql: """
                SELECT \(Columns.changeSelection) FROM change WHERE seq BETWEEN ? AND ? AND author = ?
                AND state != \(LogState.rejected.sql) ORDER BY seq
                """,
            arguments: [seqs.lowerBound, seqs.upperBound, analyst.rawValue]
        ).map { try Columns.change($0) }
        guard !changes.isEmpty else {
            throw StoreError.refused(
                "nothing to undo: the server refused that command (`concord status` lists what it set aside), so it "
                    + "was never shared")
        }
        return (seqs.lowerBound, seqs, changes)
    }

    /// Undoes the command that created the event: deletes it.
    private static func undoCreation(of stored: LiveEntity, by first: Change, _ writer: inout ChangeWriter) throws
        -> String
    {
        let snapshot = stored.snapshot
        if snapshot.deleted { return "\(stored.id) was created by that command and is already deleted" }
        writer.write(
            stored.id, EntitySnapshot.deletedField, .set, .bool(true),
            supersedes: EditPlanner.delete(snapshot, author: writer.analyst))
        return "deleted \(stored.id), which that command created"
    }

    /// Undoes one change of an event the command did not create.
    private static func undo(_ change: Change, in stored: LiveEntity, _ writer: inout ChangeWriter) throws -> String {
        let field = change.field
        switch change.op {
        case .append:
            throw StoreError.refused(
                "\(change.id) is a note, and notes are append-only: add a note that corrects it "
                    + "(`concord event note \(stored.id) TEXT`)")
        case .add:
            let own = (stored.setAdds[field] ?? []).filter { $0.author == writer.analyst && $0.value == change.value }
            guard !own.isEmpty else { return "\"\(change.value)\" is no longer in \(field) (removed since)" }
            writer.write(
                stored.id, field, .remove, change.value, supersedes: own.map(\.change).sorted())
            return "removed \"\(change.value)\" from \(field)"
        case .remove:
            let adds = stored.setAdds[field] ?? []
            if adds.contains(where: { $0.value == change.value && $0.author == writer.analyst }) {
                return "\"\(change.value)\" is in \(field) again (added since)"
            }
            writer.write(stored.id, field, .add, change.value)
            return "added \"\(change.value)\" back to \(field)"
        case .set:
            // The field must still show what the change wrote, as the analyst's own version: the change itself, or
            // an undo that brought its value back.
            let live = stored.registers[field] ?? []
            let own = live.filter { $0.author == writer.analyst && $0.value == change.value }
            guard !own.isEmpty else {
                let now = live.inMergeOrder().map { "\"\($0.value)\" by \($0.author)" }.joined(separator: ", ")
                throw StoreError.refused(
                    "\(field) of \(stored.id) was changed after \(change.id) (now \(now.isEmpty ? "empty" : now)); "
                        + "undo the later change first, or set the value with `concord event set`")
            }
            var previous = try replacedValues(by: change, writer.db)
            if field == EntitySnapshot.deletedField && previous.isEmpty { previous = [.bool(false)] }
            guard previous.count <= 1 else {
                throw StoreError.refused(
                    "\(change.id) decided between different values of \(field); an adjudicator resolves it again "
                        + "with `concord resolve \(stored.id) \(field) ... --reason R`")
            }
            guard let value = previous.first else {
                throw StoreError.refused(
                    "\(field) of \(stored.id) had no value before \(change.id), and a field cannot be emptied; set "
                        + "the right value with `concord event set \(stored.id) \(field) VALUE`")
            }
            if field == EntitySnapshot.deletedField {
                let snapshot = stored.snapshot
                let supersedes: [ChangeID]
                if value == .bool(true) {
                    supersedes = EditPlanner.delete(snapshot, author: writer.analyst)
                } else {
                    do throws(EditError) {
                        supersedes = try EditPlanner.restore(snapshot, author: writer.analyst)
                    } catch {
                        throw StoreError.notAllowed(error)
                    }
                }
                writer.write(stored.id, field, .set, value, supersedes: supersedes)
                return value == .bool(true) ? "deleted \(stored.id) again" : "restored \(stored.id)"
            }
            writer.write(stored.id, field, .set, value, supersedes: own.map(\.change).sorted())
            return "\(field) back to \"\(value)\""
        }
    }

    /// The distinct values of the versions of the same field that `change` superseded (a delete's `supersedes`
    /// also lists other fields' versions as context: those are left out).
    private static func replacedValues(by change: Change, _ db: Database) throws -> [FieldValue] {
        guard !change.supersedes.isEmpty else { return [] }
        let values = try DatabaseValue.fetchAll(
            db,
            sql: """
                SELECT value FROM change WHERE entity = ? AND field = ?
                AND id IN (\(change.supersedes.map { _ in "?" }.joined(separator: ",")))
                """,
            arguments: StatementArguments([change.entity.rawValue, change.field] + change.supersedes.map(\.rawValue)))
        var distinct: [FieldValue] = []
        for value in values.map(Columns.fieldValue) where !distinct.contains(value) { distinct.append(value) }
        return distinct
    }
}
